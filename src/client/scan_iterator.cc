#include "strata/scan_iterator.h"

namespace strata::client {

ScanIterator::ScanIterator(PageFetcher fetch, std::string start, bool pin_revision)
    : fetch_(std::move(fetch)), pin_revision_(pin_revision) {
  Fetch(start);
}

void ScanIterator::Next() {
  if (!Valid()) return;
  ++pos_;
  if (pos_ < page_.kvs.size() || !page_.more) return;
  std::string next = page_.next_start;
  Fetch(next);
}

void ScanIterator::Fetch(const std::string& start) {
  Result<ScanPage> page = fetch_(start, pin_revision_ ? revision_ : 0);
  ++pages_;
  pos_ = 0;
  if (!page.ok()) {
    page_ = ScanPage{};
    status_ = page.error();
    return;
  }
  page_ = std::move(page).value();
  if (revision_ == 0) revision_ = page_.revision;
  // A page is empty only at the end of the range (MakePage clears `more`).
}

}  // namespace strata::client
