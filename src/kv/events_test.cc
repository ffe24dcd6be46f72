// MvccStore::Events: the change stream a watcher starting in the past replays.
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

const std::string kZero("\0", 1);

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(&engine_); }

  EventsResult EventsOrDie(std::string_view key, std::string_view end, int64_t start) {
    auto result = store_->Events(key, end, start);
    STRATA_ASSERT_MSG(result.ok(), result.status().ToString());
    return std::move(result).value();
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
};

KeyValue Tombstone(std::string key, int64_t revision) {
  KeyValue kv;
  kv.key = std::move(key);
  kv.mod_revision = revision;
  return kv;
}

TEST_F(EventsTest, ChangesComeOldestFirstWithPrevKv) {
  PutOne(*store_, "a", "1");  // 2
  PutOne(*store_, "b", "1");  // 3
  {
    auto txn = store_->BeginWrite();  // 4: two changes.
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("a", "2").ok());
    ASSERT_TRUE((*txn)->DeleteRange("b", "").ok());
    ASSERT_TRUE((*txn)->Commit(false).ok());
  }
  PutOne(*store_, "a", "3");  // 5
  DeleteOne(*store_, "a");    // 6
  PutOne(*store_, "z", "1");  // 7: outside the watched range.

  const KeyValue a2{"a", 2, 2, 1, "1", 0}, a4{"a", 2, 4, 2, "2", 0}, a5{"a", 2, 5, 3, "3", 0};
  const KeyValue b3{"b", 3, 3, 1, "1", 0};
  std::vector<Event> want = {
      {Event::Type::kPut, b3, std::nullopt},         {Event::Type::kPut, a4, a2},
      {Event::Type::kDelete, Tombstone("b", 4), b3}, {Event::Type::kPut, a5, a4},
      {Event::Type::kDelete, Tombstone("a", 6), a5},
  };
  EventsResult got = EventsOrDie("a", "c", 3);
  EXPECT_EQ(got.events, want);
  EXPECT_EQ(got.revision, 7);

  EXPECT_EQ(EventsOrDie("a", "", 6).events, std::vector<Event>{want.back()});
  EXPECT_TRUE(EventsOrDie(kZero, kZero, 8).events.empty());  // The future: nothing yet.
  EXPECT_EQ(EventsOrDie(kZero, kZero, 1).events.size(), 7u);
}

TEST_F(EventsTest, EndRevisionBoundsTheWindow) {
  for (int i = 0; i < 6; ++i) PutOne(*store_, "k", std::to_string(i));  // 2..7
  auto window = store_->Events("k", "", 3, 5);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->events.size(), 3u);
  EXPECT_EQ(window->events.front().kv.mod_revision, 3);
  EXPECT_EQ(window->events.back().kv.mod_revision, 5);
  EXPECT_EQ(window->events.front().prev_kv->value, "0");
  EXPECT_EQ(window->revision, 5);
  auto past_current = store_->Events("k", "", 7, 100);
  ASSERT_TRUE(past_current.ok());
  EXPECT_EQ(past_current->events.size(), 1u);
  EXPECT_EQ(past_current->revision, 7);
}

TEST_F(EventsTest, StartBelowCompactedRevisionIsCompactedError) {
  for (int i = 0; i < 5; ++i) PutOne(*store_, "k", std::to_string(i));  // 2..6
  ASSERT_TRUE(store_->Compact(4).ok());
  EXPECT_TRUE(IsCompactedError(store_->Events("k", "", 3).status()));
  EventsResult from_compacted = EventsOrDie("k", "", 4);
  ASSERT_EQ(from_compacted.events.size(), 3u);
  EXPECT_EQ(from_compacted.events[1].prev_kv->value, "2");  // The kept version.
}

// Replaying Events(s) on the state at s-1 must give the current state, and
// each prev_kv must be the key's state just before the change.
TEST_F(EventsTest, ReplayOnOldStateGivesCurrentState) {
  std::mt19937 rng(99);
  for (int round = 0; round < 200; ++round) {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    for (int op = 0; op < 3; ++op) {
      std::string key(1, "abcde"[rng() % 5]);
      if (rng() % 4 == 0) {
        ASSERT_TRUE((*txn)->DeleteRange(key, rng() % 2 ? "" : "e").ok());
      } else {
        ASSERT_TRUE((*txn)->Put(key, std::to_string(rng() % 100)).ok());
      }
    }
    ASSERT_TRUE((*txn)->Commit(false).ok());
  }
  auto state_at = [&](int64_t revision) {
    RangeOptions options;
    options.revision = revision;
    auto all = store_->Range(kZero, kZero, options);
    STRATA_ASSERT(all.ok());
    std::map<std::string, KeyValue> state;
    for (KeyValue& kv : all->kvs) state[kv.key] = kv;
    return state;
  };
  const auto current = state_at(0);
  for (int64_t start : {int64_t{2}, int64_t{50}, store_->CurrentRevision()}) {
    auto state = state_at(start - 1);
    for (const Event& event : EventsOrDie(kZero, kZero, start).events) {
      auto it = state.find(event.kv.key);
      ASSERT_EQ(event.prev_kv.has_value(), it != state.end());
      if (it != state.end()) {
        ASSERT_EQ(*event.prev_kv, it->second);
      }
      if (event.type == Event::Type::kPut) {
        state[event.kv.key] = event.kv;
      } else {
        state.erase(event.kv.key);
      }
    }
    EXPECT_EQ(state, current) << "replay from " << start;
  }
}

}  // namespace
}  // namespace strata::kv
