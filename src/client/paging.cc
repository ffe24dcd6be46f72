#include "client/paging.h"

namespace strata::client::internal {

std::string KeyAfter(std::string_view key) {
  std::string out(key);
  out.push_back('\0');
  return out;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (end.empty()) return std::string(1, '\0');
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

EtcdRange ToEtcdRange(std::string_view start, std::string_view end) {
  EtcdRange r;
  r.key = start.empty() ? std::string(1, '\0') : std::string(start);
  r.range_end = end.empty() ? std::string(1, '\0') : std::string(end);
  return r;
}

ScanPage MakePage(std::vector<KeyValue> kvs, bool more, int64_t revision) {
  ScanPage page;
  page.more = more && !kvs.empty();
  if (!kvs.empty()) page.next_start = KeyAfter(kvs.back().key);
  page.kvs = std::move(kvs);
  page.revision = revision;
  return page;
}

}  // namespace strata::client::internal
