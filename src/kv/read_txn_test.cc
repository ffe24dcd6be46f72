// ReadTxn: one consistent view across reads while writes commit.
#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

TEST(ReadTxnTest, SeesOneRevisionWhateverCommitsMeanwhile) {
  storage::MemoryEngine engine;
  auto store = OpenStore(&engine);
  PutOne(*store, "a", "1");
  auto read = store->BeginRead();
  ASSERT_TRUE(read.ok());
  PutOne(*store, "a", "2");
  PutOne(*store, "b", "1");
  EXPECT_EQ((*read)->current_revision(), 2);
  EXPECT_EQ((*read)->compacted_revision(), 0);
  auto all = (*read)->Range("a", "c");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->kvs.size(), 1u);
  EXPECT_EQ(all->kvs[0].value, "1");
  EXPECT_EQ(all->revision, 2);
  // A revision the view does not have yet is a future revision to it.
  RangeOptions future;
  future.revision = 3;
  EXPECT_TRUE(IsFutureRevisionError((*read)->Range("a", "", future).status()));
  EXPECT_EQ(GetOne(*store, "a")->value, "2");
}

TEST(ReadTxnTest, CompactedRevisionIsThatOfTheView) {
  storage::MemoryEngine engine;
  auto store = OpenStore(&engine);
  PutOne(*store, "a", "1");
  PutOne(*store, "a", "2");
  ASSERT_TRUE(store->Compact(2).ok());
  auto read = store->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)->compacted_revision(), 2);
  RangeOptions old;
  old.revision = 1;
  EXPECT_TRUE(IsCompactedError((*read)->Range("a", "", old).status()));
}

}  // namespace
}  // namespace strata::kv
