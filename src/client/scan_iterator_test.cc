// The iterator's paging against an in-memory key space with versions, so
// that pinned and unpinned snapshots differ.
#include "strata/scan_iterator.h"

#include <gtest/gtest.h>

#include <map>

#include "client/paging.h"

namespace strata::client {
namespace {

// Keys with the revision they were written at; a read at revision r sees
// keys written at or before r.
struct FakeStore {
  std::map<std::string, int64_t> keys;
  int64_t revision = 0;
  std::vector<std::pair<std::string, int64_t>> calls;  // (start, revision) per fetch
  int fail_at_call = -1;

  ScanIterator::PageFetcher Fetcher(std::string end, size_t page) {
    return [this, end, page](const std::string& start, int64_t rev) -> Result<ScanPage> {
      calls.emplace_back(start, rev);
      if (static_cast<int>(calls.size()) == fail_at_call) {
        return Error(ErrorCode::kUnavailable, "injected");
      }
      const int64_t at = rev == 0 ? revision : rev;
      std::vector<KeyValue> kvs;
      bool more = false;
      for (auto it = keys.lower_bound(start); it != keys.end() && it->first < end; ++it) {
        if (it->second > at) continue;
        if (kvs.size() == page) {
          more = true;
          break;
        }
        kvs.push_back(KeyValue{.key = it->first, .mod_revision = it->second});
      }
      return internal::MakePage(std::move(kvs), more, at);
    };
  }
  void Put(const std::string& k) { keys[k] = ++revision; }
};

std::vector<std::string> Drain(ScanIterator& it, FakeStore* store = nullptr,
                               const std::string& put_during = "") {
  std::vector<std::string> out;
  for (; it.Valid(); it.Next()) {
    out.push_back(it.kv().key);
    if (store && out.size() == 1 && !put_during.empty()) store->Put(put_during);
  }
  return out;
}

TEST(ScanIteratorTest, VisitsEveryKeyOnceAcrossPages) {
  FakeStore s;
  for (int i = 0; i < 10; ++i) s.Put("k" + std::to_string(i));
  ScanIterator it(s.Fetcher("l", 3), "k");
  auto keys = Drain(it);
  ASSERT_EQ(keys.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(keys[i], "k" + std::to_string(i));
  EXPECT_TRUE(it.status().ok());
  EXPECT_EQ(it.pages(), 4);  // 3 + 3 + 3 + 1
  // Each page starts right after the previous page's last key.
  EXPECT_EQ(s.calls[1].first, std::string("k2\0", 3));
}

TEST(ScanIteratorTest, PinnedRevisionHidesLaterWrites) {
  FakeStore s;
  for (int i = 0; i < 6; ++i) s.Put("k" + std::to_string(i));
  ScanIterator pinned(s.Fetcher("l", 2), "k", /*pin_revision=*/true);
  auto keys = Drain(pinned, &s, "k5a");
  EXPECT_EQ(keys.size(), 6u) << "a key written after the first page must not appear";
  for (size_t i = 1; i < s.calls.size(); ++i) EXPECT_EQ(s.calls[i].second, 6);

  FakeStore t;
  for (int i = 0; i < 6; ++i) t.Put("k" + std::to_string(i));
  ScanIterator latest(t.Fetcher("l", 2), "k", /*pin_revision=*/false);
  EXPECT_EQ(Drain(latest, &t, "k5a").size(), 7u);
}

TEST(ScanIteratorTest, EmptyRangeAndErrors) {
  FakeStore s;
  ScanIterator empty(s.Fetcher("z", 5), "a");
  EXPECT_FALSE(empty.Valid());
  EXPECT_TRUE(empty.status().ok());

  FakeStore t;
  for (int i = 0; i < 6; ++i) t.Put("k" + std::to_string(i));
  t.fail_at_call = 2;
  ScanIterator failing(t.Fetcher("l", 4), "k");
  EXPECT_EQ(Drain(failing).size(), 4u);
  ASSERT_FALSE(failing.status().ok());
  EXPECT_EQ(failing.status().error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace strata::client
