// Revisions, versions and Range semantics of MvccStore (etcd's mvcc rules).
#include "kv/mvcc_store.h"

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

class MvccStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(&engine_); }

  RangeResult RangeOrDie(std::string_view key, std::string_view end, RangeOptions options = {}) {
    auto result = store_->Range(key, end, options);
    STRATA_ASSERT_MSG(result.ok(), result.status().ToString());
    return std::move(result).value();
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
};

const std::string kZero("\0", 1);

TEST_F(MvccStoreTest, EmptyStoreIsAtRevisionOne) {
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(store_->CompactedRevision(), 0);
  RangeResult all = RangeOrDie(kZero, kZero);
  EXPECT_TRUE(all.kvs.empty());
  EXPECT_EQ(all.count, 0);
  EXPECT_EQ(all.revision, 1);
}

TEST_F(MvccStoreTest, PutPutDeletePutKeepsEtcdBookkeeping) {
  EXPECT_EQ(PutOne(*store_, "foo", "v1"), std::nullopt);
  KeyValue v1{"foo", 2, 2, 1, "v1", 0};
  EXPECT_EQ(GetOne(*store_, "foo"), v1);

  EXPECT_EQ(PutOne(*store_, "foo", "v2"), v1);
  KeyValue v2{"foo", 2, 3, 2, "v2", 0};
  EXPECT_EQ(GetOne(*store_, "foo"), v2);

  DeleteResult deleted = DeleteOne(*store_, "foo");
  EXPECT_EQ(deleted.deleted, 1);
  EXPECT_EQ(deleted.prev_kvs, std::vector<KeyValue>{v2});
  EXPECT_EQ(store_->CurrentRevision(), 4);
  EXPECT_EQ(GetOne(*store_, "foo"), std::nullopt);

  // Recreated: a new generation with version 1 and a new create revision.
  EXPECT_EQ(PutOne(*store_, "foo", "v3"), std::nullopt);
  KeyValue v3{"foo", 5, 5, 1, "v3", 0};
  EXPECT_EQ(GetOne(*store_, "foo"), v3);

  // Every revision still reads as it was.
  EXPECT_EQ(GetOne(*store_, "foo", 1), std::nullopt);
  EXPECT_EQ(GetOne(*store_, "foo", 2), v1);
  EXPECT_EQ(GetOne(*store_, "foo", 3), v2);
  EXPECT_EQ(GetOne(*store_, "foo", 4), std::nullopt);
  EXPECT_EQ(GetOne(*store_, "foo", 5), v3);
}

TEST_F(MvccStoreTest, LeaseIsKeptPerPut) {
  PutOne(*store_, "k", "v", /*lease=*/7);
  EXPECT_EQ(GetOne(*store_, "k")->lease, 7);
  PutOne(*store_, "k", "v");
  EXPECT_EQ(GetOne(*store_, "k")->lease, 0);
}

TEST_F(MvccStoreTest, DeleteOfNothingTakesNoRevision) {
  PutOne(*store_, "a", "1");
  DeleteResult deleted = DeleteOne(*store_, "missing");
  EXPECT_EQ(deleted.deleted, 0);
  EXPECT_EQ(store_->CurrentRevision(), 2);
}

TEST_F(MvccStoreTest, RangeFollowsEtcdRangeEndConventions) {
  const std::string a_zero_b("a\0b", 3);
  for (const std::string& key :
       {std::string("a"), a_zero_b, std::string("ab"), std::string("b"), std::string("c")}) {
    PutOne(*store_, key, "v");
  }
  using Keys = std::vector<std::string>;
  EXPECT_EQ(KeysOf(RangeOrDie("a", "")), Keys{"a"});
  EXPECT_EQ(KeysOf(RangeOrDie("a", "c")), (Keys{"a", a_zero_b, "ab", "b"}));
  EXPECT_EQ(KeysOf(RangeOrDie("a", "b")), (Keys{"a", a_zero_b, "ab"}));  // Prefix "a".
  EXPECT_EQ(KeysOf(RangeOrDie("b", kZero)), (Keys{"b", "c"}));
  EXPECT_EQ(KeysOf(RangeOrDie(kZero, kZero)), (Keys{"a", a_zero_b, "ab", "b", "c"}));
  EXPECT_TRUE(RangeOrDie("c", "a").kvs.empty());
  EXPECT_TRUE(RangeOrDie("a", "a").kvs.empty());
  EXPECT_TRUE(RangeOrDie("zz", "").kvs.empty());
}

TEST_F(MvccStoreTest, LimitCountAndKeysOnly) {
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) PutOne(*store_, key, "value");
  RangeOptions limited;
  limited.limit = 2;
  RangeResult two = RangeOrDie("k", "l", limited);
  EXPECT_EQ(KeysOf(two), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(two.count, 5);  // more = count > kvs.size().

  limited.limit = 10;
  EXPECT_EQ(RangeOrDie("k", "l", limited).kvs.size(), 5u);

  RangeOptions count_only;
  count_only.count_only = true;
  count_only.limit = 1;
  RangeResult counted = RangeOrDie("k", "l", count_only);
  EXPECT_TRUE(counted.kvs.empty());
  EXPECT_EQ(counted.count, 5);

  RangeOptions keys_only;
  keys_only.keys_only = true;
  RangeResult keys = RangeOrDie("k3", "", keys_only);
  ASSERT_EQ(keys.kvs.size(), 1u);
  EXPECT_EQ(keys.kvs[0], (KeyValue{"k3", 4, 4, 1, "", 0}));
}

TEST_F(MvccStoreTest, RangeAtOldRevisionSeesOldKeySet) {
  PutOne(*store_, "a", "1");  // 2
  PutOne(*store_, "b", "1");  // 3
  DeleteOne(*store_, "a");    // 4
  PutOne(*store_, "c", "1");  // 5
  PutOne(*store_, "b", "2");  // 6
  using Keys = std::vector<std::string>;
  auto at = [&](int64_t revision) {
    RangeOptions options;
    options.revision = revision;
    return RangeOrDie(kZero, kZero, options);
  };
  EXPECT_EQ(KeysOf(at(2)), Keys{"a"});
  EXPECT_EQ(KeysOf(at(3)), (Keys{"a", "b"}));
  EXPECT_EQ(KeysOf(at(4)), Keys{"b"});
  EXPECT_EQ(KeysOf(at(5)), (Keys{"b", "c"}));
  EXPECT_EQ(at(5).kvs[0].value, "1");
  EXPECT_EQ(at(6).kvs[0].value, "2");
  EXPECT_EQ(at(3).revision, 6);  // The header carries the current revision.
  EXPECT_EQ(at(3).count, 2);
}

TEST_F(MvccStoreTest, FutureRevisionIsEtcdsError) {
  PutOne(*store_, "a", "1");
  RangeOptions options;
  options.revision = 3;
  Status s = store_->Range("a", "", options).status();
  EXPECT_TRUE(IsFutureRevisionError(s));
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s.message(), "mvcc: required revision is a future revision");
  options.revision = -5;  // Negative means current, as in etcd.
  EXPECT_EQ(store_->Range("a", "", options)->kvs.size(), 1u);
}

// Random transactions checked against a model that keeps every revision's
// key set, read back at every revision over the whole key space.
TEST_F(MvccStoreTest, EveryRevisionMatchesModel) {
  std::mt19937 rng(1234);
  using Model = std::map<std::string, KeyValue>;
  std::vector<Model> by_revision = {Model{}, Model{}};  // Revisions 0 and 1.
  auto random_key = [&] {
    std::string key(1 + rng() % 2, 'a');
    for (char& c : key) c = "a\0\xff"[rng() % 3];
    return key;
  };
  for (int round = 0; round < 300; ++round) {
    Model model = by_revision.back();
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    const int64_t rev = (*txn)->revision();
    bool changed = false;
    int ops = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < ops; ++i) {
      std::string key = random_key();
      if (rng() % 3 != 0) {
        std::string value = std::to_string(rng() % 1000);
        auto prev = (*txn)->Put(key, value, 0);
        ASSERT_TRUE(prev.ok());
        auto it = model.find(key);
        ASSERT_EQ(prev->has_value(), it != model.end());
        KeyValue kv{key, rev, rev, 1, value, 0};
        if (it != model.end()) {
          EXPECT_EQ(**prev, it->second);
          kv.create_revision = it->second.create_revision;
          kv.version = it->second.version + 1;
        }
        model[key] = kv;
        changed = true;
      } else {
        std::string end = rng() % 2 ? std::string() : random_key();
        auto deleted = (*txn)->DeleteRange(key, end);
        ASSERT_TRUE(deleted.ok());
        auto first = model.lower_bound(key);
        auto last = model.end();  // end == "\0": every key >= key.
        if (end.empty()) {
          last = first != model.end() && first->first == key ? std::next(first) : first;
        } else if (end != kZero) {
          last = end <= key ? first : model.lower_bound(end);
        }
        EXPECT_EQ(deleted->deleted, std::distance(first, last));
        if (first != last) changed = true;
        model.erase(first, last);
      }
    }
    ASSERT_TRUE((*txn)->Commit(false).ok());
    if (changed) by_revision.push_back(model);
    ASSERT_EQ(store_->CurrentRevision(), static_cast<int64_t>(by_revision.size()) - 1);
  }
  for (int64_t rev = 1; rev < static_cast<int64_t>(by_revision.size()); ++rev) {
    RangeOptions options;
    options.revision = rev;
    RangeResult got = RangeOrDie(kZero, kZero, options);
    std::vector<KeyValue> want;
    for (const auto& [key, kv] : by_revision[rev]) want.push_back(kv);
    ASSERT_EQ(got.kvs, want) << "at revision " << rev;
  }
}

}  // namespace
}  // namespace strata::kv
