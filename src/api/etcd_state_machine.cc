#include "api/etcd_state_machine.h"

#include <cstring>

#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

// raft::Snapshot::data for a staged image: magic | id (u64 LE).
constexpr std::string_view kStagedMagic = "strata-staged-v1";

// What etcd's applierV3Corrupt refuses: everything that reads or writes the
// keyspace or its leases through raft.
bool RefusedWhenCorrupt(const requestpb::InternalRequest& request) {
  return request.has_range() || request.has_put() || request.has_delete_range() ||
         request.has_txn() || request.has_compaction() || request.has_lease_grant() ||
         request.has_lease_revoke();
}

}  // namespace

// A finished, staged image waiting for its install. Its staging directory
// goes with it unless the install took the kv state over.
struct EtcdStateMachine::StagedImage {
  storage::Engine* engine;
  raft::Index index;
  ImageHeader header;
  kv::StagedState kv;
  ~StagedImage() {
    if (!kv.dir.empty()) (void)engine->RemoveStagingDir(kv.dir);
  }
};

// Checks and stages an incoming image; Finish keeps it for import_state.
class EtcdStateMachine::ImageWriter final : public node::SnapshotWriter {
 public:
  ImageWriter(EtcdStateMachine* sm, raft::Index index, std::unique_ptr<kv::StateStager> kv)
      : sm_(sm), index_(index), stager_(std::move(kv)) {}
  Status Write(std::string_view bytes) override { return stager_.Write(bytes); }
  Result<std::string> Finish() override {
    auto done = stager_.Finish();
    STRATA_RETURN_IF_ERROR(done.status());
    return sm_->keep_staged(index_, std::move(done->first), std::move(done->second));
  }

 private:
  EtcdStateMachine* const sm_;
  const raft::Index index_;
  ImageStager stager_;
};

EtcdStateMachine::EtcdStateMachine(storage::Engine* engine, kv::Applier* applier,
                                   MemberRegistry* members)
    : engine_(engine), applier_(applier), members_(members) {}

EtcdStateMachine::~EtcdStateMachine() = default;

void EtcdStateMachine::write_or_die(const storage::WriteBatch& batch) {
  // Writes stay in index order: the applied index must never go back.
  if (batching_) flush_batch(/*reopen=*/true);
  Status s = engine_->Write(batch, /*sync=*/false);
  STRATA_ASSERT_MSG(s.ok(), "state machine write failed: " + s.ToString());
}

void EtcdStateMachine::begin_batch() {
  STRATA_ASSERT(!batching_);
  applier_->BeginBatch();
  batching_ = true;
}

void EtcdStateMachine::end_batch() {
  STRATA_ASSERT(batching_);
  flush_batch(/*reopen=*/false);
  batching_ = false;
}

void EtcdStateMachine::flush_batch(bool reopen) {
  Status s = applier_->CommitBatch();
  STRATA_ASSERT_MSG(s.ok(), "state machine write failed: " + s.ToString());
  for (const kv::ApplyResponse& applied : unpublished_) run_kv_effects(applied);
  unpublished_.clear();
  if (reopen) applier_->BeginBatch();
}

void EtcdStateMachine::publish_kv_effects(kv::ApplyResponse& applied) {
  // The lessor hears at once, as the lease table does: a follower may apply
  // a grant, answer its client and pass the client's first keep-alive here
  // before this leader's batch is written.
  if (lessor_ != nullptr) {
    for (const auto& [id, ttl] : applied.leases_granted) lessor_->on_granted(id, ttl);
    for (int64_t id : applied.leases_revoked) lessor_->on_revoked(id);
  }
  if (!batching_) return run_kv_effects(applied);
  // The response goes to the proposer; the effects keep the rest.
  kv::ApplyResponse effects;
  effects.events = std::move(applied.events);
  effects.compaction_pending = applied.compaction_pending;
  unpublished_.push_back(std::move(effects));
}

void EtcdStateMachine::run_kv_effects(const kv::ApplyResponse& applied) {
  if (applied.compaction_pending && on_compaction_pending_) on_compaction_pending_();
  if (watch_hub_ != nullptr && !applied.events.empty()) {
    watch_hub_->Publish(applied.events.front().kv.mod_revision, applied.events);
  }
}

void EtcdStateMachine::members_changed() {
  if (on_members_changed_) on_members_changed_();
}

node::ApplyResult EtcdStateMachine::apply(raft::Index index, std::string_view command,
                                          const storage::WriteBatch& node_writes) {
  node::ApplyResult result = apply_command(index, command, node_writes);
  if (tokens_ != nullptr) tokens_->Applied(index.value());
  return result;
}

node::ApplyResult EtcdStateMachine::apply_command(raft::Index index, std::string_view command,
                                                  const storage::WriteBatch& node_writes) {
  requestpb::InternalRequest request;
  if (!request.ParseFromArray(command.data(), static_cast<int>(command.size()))) {
    write_or_die(node_writes);
    return {Status::InvalidArgument("command is not a strata.requestpb.InternalRequest"), {}};
  }
  if (request.has_member_attributes()) {
    return apply_member_attributes(request.member_attributes(), node_writes);
  }
  if (kv::AuthStore::IsAuthRequest(request)) {
    if (request.has_authenticate()) {
      // The token every member assigns, and the proposer returns, names the
      // index, so members that have not applied it yet know to wait.
      auto* login = request.mutable_authenticate();
      login->set_simple_token(AuthTokens::TokenAt(login->simple_token(), index.value()));
    }
    return apply_auth(request, node_writes);
  }
  if (request.has_alarm()) return apply_alarm(request.alarm(), node_writes);
  if (alarms_ != nullptr && alarms_->Raised(etcdserverpb::CORRUPT) && RefusedWhenCorrupt(request)) {
    // etcd's applierV3Corrupt: a replica's history differs, so nothing more
    // is written until an operator disarms the alarm.
    write_or_die(node_writes);
    return {kv::MakeEtcdError(kv::EtcdError::kCorrupt), {}};
  }
  if (auth_ != nullptr && !request.header().internal()) {
    // The edge checked already; permissions may have changed since.
    Status permitted =
        kv::CheckRequestPermitted(*auth_, request.header().username(), request, applier_->leases());
    if (!permitted.ok()) {
      write_or_die(node_writes);
      return {permitted, {}};
    }
  }
  auto applied = applier_->Apply(request, node_writes);
  STRATA_ASSERT_MSG(applied.ok(), "apply failed: " + applied.status().ToString());
  publish_kv_effects(*applied);
  Status error = applied->error;
  return {error, std::move(*applied)};
}

node::ApplyResult EtcdStateMachine::apply_alarm(const etcdserverpb::AlarmRequest& request,
                                                const storage::WriteBatch& node_writes) {
  if (alarms_ == nullptr || request.action() == etcdserverpb::AlarmRequest::GET) {
    write_or_die(node_writes);
    return {Status::InvalidArgument("alarm request cannot be applied"), {}};
  }
  storage::WriteBatch batch = node_writes;
  auto response = std::make_shared<etcdserverpb::AlarmResponse>(alarms_->Apply(request, &batch));
  write_or_die(batch);
  alarms_->Publish();
  if (response->alarms_size() > 0) {
    spdlog::warn("alarm {} {} for member {:x}", etcdserverpb::AlarmType_Name(request.alarm()),
                 request.action() == etcdserverpb::AlarmRequest::ACTIVATE ? "raised" : "cleared",
                 request.memberid());
  }
  return {Status::Ok(), std::shared_ptr<google::protobuf::Message>(std::move(response))};
}

node::ApplyResult EtcdStateMachine::apply_auth(const requestpb::InternalRequest& request,
                                               const storage::WriteBatch& node_writes) {
  if (auth_ == nullptr) {
    write_or_die(node_writes);
    return {Status::InvalidArgument("auth is not served by this member"), {}};
  }
  // Managing users and roles needs the root role once auth is on.
  bool open = request.has_auth_enable() || request.has_auth_status() || request.has_authenticate();
  if (!open && !request.header().internal()) {
    Status admin = auth_->IsAdmin(request.header().username());
    if (!admin.ok()) {
      write_or_die(node_writes);
      return {admin, {}};
    }
  }
  storage::WriteBatch batch = node_writes;
  auto reply = auth_->Apply(request, &batch);
  if (!reply.ok()) {
    write_or_die(node_writes);
    return {reply.status(), {}};
  }
  write_or_die(batch);
  kv::AuthStore::Published published = auth_->Publish();
  if (tokens_ != nullptr) {
    if (published.all_tokens_invalidated) tokens_->Clear();
    for (const std::string& user : published.invalidated_users) tokens_->DropUser(user);
    if (request.has_authenticate()) {
      tokens_->Assign(request.authenticate().simple_token(), request.authenticate().name());
    }
  }
  return {Status::Ok(), std::shared_ptr<google::protobuf::Message>(std::move(*reply))};
}

node::ApplyResult EtcdStateMachine::apply_member_attributes(
    const requestpb::MemberAttributesRequest& request, const storage::WriteBatch& node_writes) {
  auto member = members_->find(request.id());
  if (!member) {
    write_or_die(node_writes);
    return {kv::MakeEtcdError(kv::EtcdError::kMemberNotFound), {}};
  }
  if (request.update_peer_urls()) member->mutable_peerurls()->CopyFrom(request.peer_urls());
  if (request.publish()) {
    member->set_name(request.name());
    member->mutable_clienturls()->CopyFrom(request.client_urls());
  }
  storage::WriteBatch batch = node_writes;
  members_->stage_put(*member, &batch);
  write_or_die(batch);
  members_->put_committed(*member);
  members_changed();
  return {Status::Ok(), MembersResponse{members_->list()}};
}

node::ApplyResult EtcdStateMachine::apply_conf_change(raft::Index /*index*/,
                                                      const raft::ConfChange& cc,
                                                      const Result<raft::ConfState>& membership,
                                                      const storage::WriteBatch& node_writes) {
  if (!membership.ok()) {
    write_or_die(node_writes);
    return {membership.status(), {}};
  }
  // The proposer attaches the new member's attributes; raft's own changes
  // (leaving a joint configuration) attach nothing and change no member.
  etcdserverpb::Member attributes;
  if (!cc.context.empty() &&
      !attributes.ParseFromArray(cc.context.data(), static_cast<int>(cc.context.size()))) {
    attributes.Clear();
  }
  storage::WriteBatch batch = node_writes;
  std::vector<etcdserverpb::Member> put;
  std::vector<uint64_t> removed;
  for (const raft::ConfChangeSingle& change : cc.changes) {
    uint64_t id = change.node.value();
    switch (change.type) {
      case raft::ConfChangeType::kAddNode:
      case raft::ConfChangeType::kAddLearner: {
        auto existing = members_->find(id);
        etcdserverpb::Member m = existing ? *existing : attributes;
        m.set_id(id);
        m.set_islearner(change.type == raft::ConfChangeType::kAddLearner);
        members_->stage_put(m, &batch);
        put.push_back(std::move(m));
        break;
      }
      case raft::ConfChangeType::kRemoveNode:
        members_->stage_remove(id, &batch);
        removed.push_back(id);
        break;
    }
  }
  write_or_die(batch);
  for (const auto& m : put) members_->put_committed(m);
  for (uint64_t id : removed) members_->remove_committed(id);
  if (!put.empty() || !removed.empty()) members_changed();
  return {Status::Ok(), MembersResponse{members_->list()}};
}

Result<std::unique_ptr<node::SnapshotImage>> EtcdStateMachine::capture_snapshot() const {
  ImageHeader header;
  header.cluster_id = members_->cluster_id();
  header.members = members_->list();
  auto view = applier_->CaptureState();
  if (!view.ok()) return view.status();
  return std::unique_ptr<node::SnapshotImage>(
      std::make_unique<Image>(header, std::move(*view), engine_));
}

Result<std::string> EtcdStateMachine::export_state() const {
  auto image = capture_snapshot();
  if (!image.ok()) return image.status();
  auto reader = (*image)->Open();
  if (!reader.ok()) return reader.status();
  std::string out;
  while (true) {
    auto more = (*reader)->Read(size_t{1} << 20, &out);
    if (!more.ok()) return more.status();
    if (!*more) return out;
  }
}

Result<std::unique_ptr<node::SnapshotWriter>> EtcdStateMachine::receive_snapshot(
    const raft::SnapshotMetadata& md) {
  auto stager = kv::StateStager::Start(engine_);
  if (!stager.ok()) return stager.status();
  return std::unique_ptr<node::SnapshotWriter>(
      std::make_unique<ImageWriter>(this, md.index, std::move(*stager)));
}

std::string EtcdStateMachine::keep_staged(raft::Index index, ImageHeader header,
                                          kv::StagedState kv) {
  auto image = std::make_unique<StagedImage>();
  image->engine = engine_;
  image->index = index;
  image->header = std::move(header);
  image->kv = std::move(kv);
  std::vector<std::unique_ptr<StagedImage>> dropped;  // Destroyed unlocked.
  std::lock_guard lock(staged_mu_);
  uint64_t id = next_staged_id_++;
  staged_[id] = std::move(image);
  // Raft installs or drops a delivered image in the loop iteration that
  // steps it, so images beyond the newest few are dead.
  while (staged_.size() > kStagedImagesMax) {
    auto oldest = staged_.begin();
    for (auto it = staged_.begin(); it != staged_.end(); ++it) {
      if (it->second->index < oldest->second->index) oldest = it;
    }
    dropped.push_back(std::move(oldest->second));
    staged_.erase(oldest);
  }
  std::string descriptor(kStagedMagic);
  PutFixed64(&descriptor, id);
  return descriptor;
}

size_t EtcdStateMachine::staged_images() const {
  std::lock_guard lock(staged_mu_);
  return staged_.size();
}

Status EtcdStateMachine::import_state(std::string_view data,
                                      const storage::WriteBatch& node_writes) {
  if (data.starts_with(kStagedMagic) && data.size() == kStagedMagic.size() + 8) {
    uint64_t id = DecodeFixed64(data.substr(kStagedMagic.size()));
    std::unique_ptr<StagedImage> image;
    std::vector<std::unique_ptr<StagedImage>> stale;  // Destroyed unlocked.
    {
      std::lock_guard lock(staged_mu_);
      auto it = staged_.find(id);
      if (it == staged_.end()) {
        return Status::NotFound("staged snapshot " + std::to_string(id) + " is gone");
      }
      image = std::move(it->second);
      staged_.erase(it);
      // Raft refuses snapshots at or below what it commits now.
      for (auto s_it = staged_.begin(); s_it != staged_.end();) {
        if (s_it->second->index > image->index) {
          ++s_it;
          continue;
        }
        stale.push_back(std::move(s_it->second));
        s_it = staged_.erase(s_it);
      }
    }
    // The install owns the staged files from here (it keeps them on failure).
    kv::StagedState kv = std::move(image->kv);
    image->kv.dir.clear();
    spdlog::info("installing snapshot image at index {}: {} entries, {} bytes, {} table files",
                 image->index.value(), kv.entries, kv.bytes, kv.tables.size());
    return replace_state(image->header, node_writes, [&](const storage::WriteBatch& batch) {
      return applier_->InstallState(kv, batch);
    });
  }
  ImageHeader header;
  auto used = DecodeImageHeader(data, &header);
  if (!used.ok()) return used.status();
  if (*used == 0) return Status::Corruption("state machine snapshot: truncated header");
  std::string_view kv_state = data.substr(*used);
  return replace_state(header, node_writes, [&](const storage::WriteBatch& batch) {
    return applier_->ImportState(kv_state, batch);
  });
}

Status EtcdStateMachine::replace_state(
    const ImageHeader& header, const storage::WriteBatch& node_writes,
    const std::function<Status(const storage::WriteBatch&)>& install_kv) {
  const std::vector<etcdserverpb::Member>& members = header.members;
  const uint64_t cluster_id = header.cluster_id;
  storage::WriteBatch batch = node_writes;
  members_->stage_replace_all(members, &batch);
  members_->stage_cluster_id(cluster_id, &batch);
  STRATA_RETURN_IF_ERROR(install_kv(batch));
  members_->replace_all_committed(members);
  members_->cluster_id_committed(cluster_id);
  members_changed();
  if (on_compaction_pending_) on_compaction_pending_();
  if (watch_hub_ != nullptr) watch_hub_->Reset();
  if (alarms_ != nullptr) STRATA_RETURN_IF_ERROR(alarms_->Reload(*engine_));
  if (auth_ != nullptr) {
    STRATA_RETURN_IF_ERROR(auth_->Reload(*engine_));
    if (tokens_ != nullptr) tokens_->Clear();
  }
  return Status::Ok();
}

}  // namespace strata::api
