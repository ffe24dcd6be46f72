// ScanIterator: walks a key range page by page, fetching the next page when
// the current one is used up.
//
//   auto it = client.scan("a", "b");
//   for (; it.Valid(); it.Next()) Use(it.kv());
//   if (!it.status().ok()) Report(it.status().error());
//
// Thread-safety: one thread at a time (the Client it came from may be shared).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "strata/result.h"
#include "strata/types.h"

namespace strata::client {

class ScanIterator {
 public:
  // Fetches the page that starts at `start`, read at `revision` (0 on the
  // first call: latest). Client::scan supplies one; tests may supply their own.
  using PageFetcher = std::function<Result<ScanPage>(const std::string& start, int64_t revision)>;

  // Fetches the first page from `start` at once. With pin_revision every
  // page is read at the first page's revision (one snapshot; fails with
  // kCompacted if that revision is compacted meanwhile); without, each page
  // reads the latest state.
  ScanIterator(PageFetcher fetch, std::string start, bool pin_revision = true);

  // True while positioned at a key. False at the end and after an error.
  bool Valid() const { return pos_ < page_.kvs.size(); }
  // REQUIRES: Valid().
  const KeyValue& kv() const { return page_.kvs[pos_]; }
  // Moves to the next key, fetching a page when needed. REQUIRES: Valid().
  void Next();
  // OK unless a page fetch failed; then Valid() is false.
  const Result<void>& status() const { return status_; }
  // The revision of the first page (0 before it arrived or if it failed).
  int64_t revision() const { return revision_; }
  // Pages fetched so far.
  int pages() const { return pages_; }

 private:
  void Fetch(const std::string& start);

  PageFetcher fetch_;
  bool pin_revision_;
  ScanPage page_;
  size_t pos_ = 0;
  Result<void> status_;
  int64_t revision_ = 0;
  int pages_ = 0;
};

}  // namespace strata::client
