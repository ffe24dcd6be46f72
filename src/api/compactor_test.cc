#include "api/compactor.h"

#include <gtest/gtest.h>

#include <future>

#include "storage/memory_engine.h"

namespace strata::api {
namespace {

TEST(CompactorTest, DropsHistoryInTheBackgroundAndReportsWhenDone) {
  storage::MemoryEngine engine;
  auto store = kv::MvccStore::Open(&engine);
  ASSERT_TRUE(store.ok());
  kv::ApplierOptions options;
  options.compact_inline = false;
  kv::Applier applier(store->get(), options);
  for (int i = 0; i < 100; ++i) {
    auto txn = (*store)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("k", "v" + std::to_string(i)).ok());
    ASSERT_TRUE((*txn)->Commit(false).ok());
  }
  auto txn = (*store)->BeginWrite();
  ASSERT_TRUE((*txn)->Compact((*store)->CurrentRevision()).ok());
  ASSERT_TRUE((*txn)->Commit(false).ok());
  ASSERT_TRUE((*store)->CompactionPending());

  Compactor compactor(&applier, store->get());
  std::promise<Status> done;
  compactor.when_done([&](Status s) { done.set_value(s); });
  compactor.kick();
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_FALSE((*store)->CompactionPending());

  // With nothing pending, the callback runs at once.
  bool ran = false;
  compactor.when_done([&](Status s) { ran = s.ok(); });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace strata::api
