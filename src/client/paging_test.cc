#include "client/paging.h"

#include <gtest/gtest.h>

namespace strata::client::internal {
namespace {

using namespace std::string_literals;

TEST(PagingTest, KeyAfterIsTheNextKey) {
  EXPECT_EQ(KeyAfter("a"), "a\0"s);
  EXPECT_LT("a"s, KeyAfter("a"));
  EXPECT_LT(KeyAfter("a"), "a\x01"s);
}

TEST(PagingTest, PrefixEnd) {
  EXPECT_EQ(PrefixEnd("abc"), "abd");
  EXPECT_EQ(PrefixEnd("a\xFF"s), "b");
  EXPECT_EQ(PrefixEnd("\xFF\xFF"s), "\0"s);
  EXPECT_EQ(PrefixEnd(""), "\0"s);
}

TEST(PagingTest, EmptyBoundsMeanWholeKeySpace) {
  EtcdRange r = ToEtcdRange("", "");
  EXPECT_EQ(r.key, "\0"s);
  EXPECT_EQ(r.range_end, "\0"s);
  r = ToEtcdRange("a", "b");
  EXPECT_EQ(r.key, "a");
  EXPECT_EQ(r.range_end, "b");
}

TEST(PagingTest, PageContinuesAfterItsLastKey) {
  ScanPage p = MakePage({KeyValue{.key = "a"}, KeyValue{.key = "b"}}, true, 7);
  EXPECT_TRUE(p.more);
  EXPECT_EQ(p.next_start, "b\0"s);
  EXPECT_EQ(p.revision, 7);
  ScanPage empty = MakePage({}, true, 7);
  EXPECT_FALSE(empty.more) << "an empty page cannot promise more";
}

}  // namespace
}  // namespace strata::client::internal
