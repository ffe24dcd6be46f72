// EtcdStateMachine's snapshots: an image streamed from one replica's view
// and staged by another, whole images, corrupt images, and the bound on
// staged images waiting for their install. And the CORRUPT alarm, which
// stops KV and lease requests until it is disarmed.
#include "api/etcd_state_machine.h"

#include <gtest/gtest.h>

#include "kv/alarm_store.h"
#include "kv/etcd_errors.h"
#include "storage/keys.h"
#include "storage/memory_engine.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::api {
namespace {

// One replica's state machine stack over an engine.
struct Replica {
  explicit Replica(std::unique_ptr<storage::Engine> e) : engine(std::move(e)) {
    auto s = kv::MvccStore::Open(engine.get());
    STRATA_ASSERT(s.ok());
    store = std::move(*s);
    applier = std::make_unique<kv::Applier>(store.get());
    auto m = MemberRegistry::Load(engine.get());
    STRATA_ASSERT(m.ok());
    members = std::move(*m);
    sm = std::make_unique<EtcdStateMachine>(engine.get(), applier.get(), members.get());
  }

  void Put(raft::Index index, const std::string& key, const std::string& value) {
    requestpb::InternalRequest request;
    request.mutable_put()->set_key(key);
    request.mutable_put()->set_value(value);
    auto result = sm->apply(index, request.SerializeAsString(), Applied(index));
    STRATA_ASSERT_MSG(result.status.ok(), result.status.ToString());
  }
  void SetMembers(uint64_t cluster_id, const std::vector<std::string>& names) {
    std::vector<etcdserverpb::Member> list;
    for (size_t i = 0; i < names.size(); ++i) {
      etcdserverpb::Member m;
      m.set_id(i + 1);
      m.set_name(names[i]);
      list.push_back(m);
    }
    storage::WriteBatch batch;
    members->stage_replace_all(list, &batch);
    members->stage_cluster_id(cluster_id, &batch);
    STRATA_ASSERT(engine->Write(batch, false).ok());
    members->replace_all_committed(list);
    members->cluster_id_committed(cluster_id);
  }
  uint32_t Hash() const {
    auto h = store->Hash();
    STRATA_ASSERT(h.ok());
    return h->hash;
  }
  std::vector<std::string> MemberNames() const {
    std::vector<std::string> out;
    for (const auto& m : members->list()) out.push_back(m.name());
    return out;
  }
  static storage::WriteBatch Applied(raft::Index index) {
    storage::WriteBatch b;
    b.Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1),
          storage::EncodeFixed64BigEndian(index.value()));
    return b;
  }

  std::unique_ptr<storage::Engine> engine;
  std::unique_ptr<kv::MvccStore> store;
  std::unique_ptr<kv::Applier> applier;
  std::unique_ptr<MemberRegistry> members;
  std::unique_ptr<EtcdStateMachine> sm;
};

raft::SnapshotMetadata At(uint64_t index) {
  return raft::SnapshotMetadata{raft::Index(index), raft::Term(1), {}};
}

// Streams a's image into b's writer in pieces; returns what Finish gave.
Result<std::string> Stream(const Replica& a, Replica& b, uint64_t index, size_t piece,
                           std::function<void(std::string*)> mangle = nullptr) {
  auto image = a.sm->capture_snapshot();
  STRATA_RETURN_IF_ERROR(image.status());
  auto reader = (*image)->Open();
  STRATA_RETURN_IF_ERROR(reader.status());
  std::string all;
  while (true) {
    auto more = (*reader)->Read(piece, &all);
    STRATA_RETURN_IF_ERROR(more.status());
    if (!*more) break;
  }
  if (mangle) mangle(&all);
  auto writer = b.sm->receive_snapshot(At(index));
  STRATA_RETURN_IF_ERROR(writer.status());
  for (size_t i = 0; i < all.size(); i += piece) {
    STRATA_RETURN_IF_ERROR((*writer)->Write(std::string_view(all).substr(i, piece)));
  }
  return (*writer)->Finish();
}

class EtcdStateMachineSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = std::make_unique<Replica>(Rocks("a"));
    b_ = std::make_unique<Replica>(Rocks("b"));
    a_->SetMembers(77, {"m1", "m2", "m3"});
    for (int i = 0; i < 500; ++i) {
      a_->Put(raft::Index(10 + i), "key" + std::to_string(i % 120), std::string(i % 50, 'x'));
    }
    b_->SetMembers(5, {"stale"});
    b_->Put(raft::Index(3), "only-on-b", "1");
  }
  std::unique_ptr<storage::Engine> Rocks(const std::string& name) {
    auto e = storage::RocksEngine::Open(dir_.Sub(name));
    STRATA_ASSERT(e.ok());
    return std::move(*e);
  }

  storage::TestTempDir dir_;
  std::unique_ptr<Replica> a_, b_;
};

TEST_F(EtcdStateMachineSnapshotTest, StreamedImageIsStagedThenInstalled) {
  auto descriptor = Stream(*a_, *b_, 600, 1000);
  ASSERT_TRUE(descriptor.ok()) << descriptor.status().ToString();
  EXPECT_LT(descriptor->size(), 64u) << "raft carries a descriptor, not the image";
  EXPECT_EQ(b_->sm->staged_images(), 1u);
  EXPECT_NE(b_->Hash(), a_->Hash()) << "staging changes nothing yet";

  ASSERT_TRUE(b_->sm->import_state(*descriptor, Replica::Applied(raft::Index(600))).ok());
  EXPECT_EQ(b_->Hash(), a_->Hash());
  EXPECT_EQ(b_->store->CurrentRevision(), a_->store->CurrentRevision());
  EXPECT_EQ(b_->MemberNames(), (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_EQ(b_->members->cluster_id(), 77u);
  EXPECT_EQ(b_->sm->staged_images(), 0u);
  // A descriptor installs once.
  EXPECT_TRUE(b_->sm->import_state(*descriptor, {}).Is(StatusCode::kNotFound));
  // And the installed state survives a restart of the engine.
  b_.reset();
  auto reopened = std::make_unique<Replica>(Rocks("b"));
  EXPECT_EQ(reopened->Hash(), a_->Hash());
  EXPECT_EQ(reopened->members->cluster_id(), 77u);
}

TEST_F(EtcdStateMachineSnapshotTest, WholeImageImports) {
  auto image = a_->sm->export_state();
  ASSERT_TRUE(image.ok());
  EXPECT_TRUE(image->starts_with(kImageMagic));
  ASSERT_TRUE(b_->sm->import_state(*image, Replica::Applied(raft::Index(600))).ok());
  EXPECT_EQ(b_->Hash(), a_->Hash());
  EXPECT_EQ(b_->MemberNames(), a_->MemberNames());
}

TEST_F(EtcdStateMachineSnapshotTest, CorruptImagesAreRefusedAndChangeNothing) {
  const uint32_t hash_before = b_->Hash();
  std::vector<std::pair<std::string, std::function<void(std::string*)>>> mangles = {
      {"header byte", [](std::string* s) { (*s)[kImageMagic.size() + 9] ^= 1; }},
      {"magic", [](std::string* s) { (*s)[0] = 'X'; }},
      {"kv byte", [](std::string* s) { (*s)[s->size() / 2] ^= 0x10; }},
      {"kv checksum", [](std::string* s) { s->back() ^= 1; }},
      {"truncated", [](std::string* s) { s->resize(s->size() - 3); }},
      {"trailing bytes", [](std::string* s) { s->append("xx"); }},
      {"legacy v2 image", [](std::string* s) { (*s)[11] = '2'; }},
  };
  for (const auto& [name, mangle] : mangles) {
    auto result = Stream(*a_, *b_, 600, 700, mangle);
    EXPECT_TRUE(result.status().Is(StatusCode::kCorruption))
        << name << ": " << result.status().ToString();
    EXPECT_EQ(b_->sm->staged_images(), 0u) << name;
  }
  EXPECT_EQ(b_->Hash(), hash_before);
  EXPECT_EQ(b_->MemberNames(), (std::vector<std::string>{"stale"}));
}

TEST_F(EtcdStateMachineSnapshotTest, StagedImagesAreBoundedAndOlderOnesDropOnInstall) {
  std::vector<std::string> descriptors;
  for (uint64_t index = 100; index < 106; ++index) {
    auto d = Stream(*a_, *b_, index, 4096);
    ASSERT_TRUE(d.ok());
    descriptors.push_back(*d);
  }
  EXPECT_EQ(b_->sm->staged_images(), EtcdStateMachine::kStagedImagesMax);
  EXPECT_TRUE(b_->sm->import_state(descriptors[0], {}).Is(StatusCode::kNotFound))
      << "the oldest staged images went first";
  // Installing the image at 104 drops the one at 103 (raft would refuse it
  // now) but keeps the one at 105.
  ASSERT_TRUE(b_->sm->import_state(descriptors[4], Replica::Applied(raft::Index(104))).ok());
  EXPECT_EQ(b_->sm->staged_images(), 1u);
  EXPECT_TRUE(b_->sm->import_state(descriptors[3], {}).Is(StatusCode::kNotFound));
  EXPECT_TRUE(b_->sm->import_state(descriptors[5], Replica::Applied(raft::Index(105))).ok());
  EXPECT_EQ(b_->Hash(), a_->Hash());
}

// etcd's applierV3Corrupt: while CORRUPT is raised (by any member), every
// KV and lease request through raft is refused with "corrupt cluster",
// changes nothing but the applied index, and works again once disarmed.
TEST(EtcdStateMachineAlarmTest, CorruptRefusesKvAndLeaseRequestsUntilDisarmed) {
  Replica r(std::make_unique<storage::MemoryEngine>());
  kv::AlarmStore alarms;
  r.sm->set_alarms(&alarms);
  r.Put(raft::Index(1), "k", "v1");
  uint64_t index = 2;
  auto apply = [&](const requestpb::InternalRequest& request) {
    const raft::Index at(index++);
    return r.sm->apply(at, request.SerializeAsString(), Replica::Applied(at));
  };
  auto alarm = [&](etcdserverpb::AlarmRequest::AlarmAction action) {
    requestpb::InternalRequest request;
    request.mutable_alarm()->set_action(action);
    request.mutable_alarm()->set_alarm(etcdserverpb::CORRUPT);
    request.mutable_alarm()->set_memberid(3);
    request.mutable_header()->set_internal(true);
    return apply(request).status;
  };
  ASSERT_TRUE(alarm(etcdserverpb::AlarmRequest::ACTIVATE).ok());
  const int64_t revision = r.store->CurrentRevision();

  std::vector<requestpb::InternalRequest> refused(7);
  refused[0].mutable_put()->set_key("k");
  refused[1].mutable_delete_range()->set_key("k");
  refused[2].mutable_txn()->add_success()->mutable_request_put()->set_key("k");
  refused[3].mutable_compaction()->set_revision(1);
  refused[4].mutable_lease_grant()->set_id(9);
  refused[4].mutable_lease_grant()->set_ttl(60);
  refused[5].mutable_lease_revoke()->set_id(9);
  refused[6].mutable_range()->set_key("k");
  for (const auto& request : refused) {
    node::ApplyResult result = apply(request);
    EXPECT_EQ(kv::AsEtcdError(result.status), kv::EtcdError::kCorrupt)
        << request.ShortDebugString() << ": " << result.status.ToString();
  }
  EXPECT_EQ(r.store->CurrentRevision(), revision);
  EXPECT_FALSE(r.applier->leases().Exists(9)) << "the grant was refused";
  auto applied = r.engine->Get(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1));
  ASSERT_TRUE(applied.ok() && applied->has_value());
  EXPECT_EQ(**applied, storage::EncodeFixed64BigEndian(index - 1)) << "refusals are applied";

  ASSERT_TRUE(alarm(etcdserverpb::AlarmRequest::DEACTIVATE).ok());
  r.Put(raft::Index(index), "k", "v2");
  EXPECT_EQ(r.store->CurrentRevision(), revision + 1);
}

}  // namespace
}  // namespace strata::api
