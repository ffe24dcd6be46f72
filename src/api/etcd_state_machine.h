// EtcdStateMachine: what a Strata range applies. Delegates etcd KV requests
// to kv::Applier and keeps the member registry (membership changes and
// member attributes) in step with the raft configuration.
//
// Snapshots stream (api/state_image.h): capture_snapshot takes an engine
// view of the kv state plus the member list, and an image read from it
// chunk by chunk; receive_snapshot checks an incoming image and stages it
// in table files, and import_state installs a staged image (or a whole one)
// in one atomic, crash-safe step.
//
// Thread-safety: apply*, import_state run on the node's raft loop thread;
// export_state and capture_snapshot are safe from any thread
// (Maintenance.Snapshot calls the latter); receive_snapshot and its writers
// run on transport threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "api/auth_tokens.h"
#include "api/lessor.h"
#include "api/members.h"
#include "api/state_image.h"
#include "kv/alarm_store.h"
#include "kv/applier.h"
#include "kv/watch_hub.h"
#include "node/state_machine.h"
#include "storage/engine.h"

namespace strata::api {

// The response of applying a membership change: the members afterwards.
struct MembersResponse {
  std::vector<etcdserverpb::Member> members;
};

class EtcdStateMachine final : public node::StateMachine {
 public:
  // None owned; all must outlive the state machine.
  EtcdStateMachine(storage::Engine* engine, kv::Applier* applier, MemberRegistry* members);
  ~EtcdStateMachine() override;

  // Runs on the raft loop after the member registry changed.
  void set_on_members_changed(std::function<void()> callback) {
    on_members_changed_ = std::move(callback);
  }
  // Committed changes are published to hub (not owned; may be null).
  void set_watch_hub(kv::WatchHub* hub) { watch_hub_ = hub; }
  // Granted and revoked leases are reported to lessor (not owned; may be null).
  void set_lessor(Lessor* lessor) { lessor_ = lessor; }
  // Auth requests are applied to auth and its tokens kept in tokens; kv
  // requests are checked against auth at apply time (neither owned; both
  // may be null: no auth).
  void set_auth(kv::AuthStore* auth, AuthTokens* tokens) {
    auth_ = auth;
    tokens_ = tokens;
  }
  // Alarm requests are applied to alarms (not owned; may be null).
  void set_alarms(kv::AlarmStore* alarms) { alarms_ = alarms; }
  // Runs on the raft loop when compacted history waits to be dropped (after
  // a Compact request, or a snapshot that carried one).
  void set_on_compaction_pending(std::function<void()> callback) {
    on_compaction_pending_ = std::move(callback);
  }

  // ApplyResult::response holds a kv::ApplyResponse for kv requests and a
  // MembersResponse for member requests; ApplyResult::status the request's
  // own failure (an etcd error).
  node::ApplyResult apply(raft::Index index, std::string_view command,
                          const storage::WriteBatch& node_writes) override;
  node::ApplyResult apply_conf_change(raft::Index index, const raft::ConfChange& cc,
                                      const Result<raft::ConfState>& membership,
                                      const storage::WriteBatch& node_writes) override;
  // Kv requests in between are written together (kv::Applier::BeginBatch);
  // watchers and the compactor hear of them once written.
  void begin_batch() override;
  void end_batch() override;
  // The whole image in memory (tests; raft snapshots use capture_snapshot).
  Result<std::string> export_state() const override;
  // An image of the state now: the member list, cluster id and a kv view.
  Result<std::unique_ptr<node::SnapshotImage>> capture_snapshot() const override;
  // A writer that checks an incoming image and stages it; it finishes with
  // a descriptor of the staged image for import_state. At most
  // kStagedImagesMax finished images wait for their install; an older one
  // beyond that is dropped.
  Result<std::unique_ptr<node::SnapshotWriter>> receive_snapshot(
      const raft::SnapshotMetadata& md) override;
  // Installs a staged image (a receive_snapshot descriptor) or a whole one
  // (export_state), with node_writes, in one atomic, crash-safe step.
  // Staged images at or below md's index that were not installed are dropped.
  Status import_state(std::string_view data, const storage::WriteBatch& node_writes) override;

  // Finished staged images not installed yet (tests).
  size_t staged_images() const;
  static constexpr size_t kStagedImagesMax = 4;

 private:
  node::ApplyResult apply_command(raft::Index index, std::string_view command,
                                  const storage::WriteBatch& node_writes);
  node::ApplyResult apply_alarm(const etcdserverpb::AlarmRequest& request,
                                const storage::WriteBatch& node_writes);
  node::ApplyResult apply_auth(const requestpb::InternalRequest& request,
                               const storage::WriteBatch& node_writes);
  node::ApplyResult apply_member_attributes(const requestpb::MemberAttributesRequest& request,
                                            const storage::WriteBatch& node_writes);
  // Writes batch (after the open kv batch, if any); an engine failure here
  // is fatal for the replica.
  void write_or_die(const storage::WriteBatch& batch);
  // Tells the lessor what a kv request did, and watchers and the compactor
  // too, now or, in a batch, once it is written.
  void publish_kv_effects(kv::ApplyResponse& applied);
  void run_kv_effects(const kv::ApplyResponse& applied);
  // Writes the open kv batch and publishes its effects; reopens it if asked.
  void flush_batch(bool reopen);
  struct StagedImage;
  class ImageWriter;
  // Keeps a finished staged image; returns its descriptor.
  std::string keep_staged(raft::Index index, ImageHeader header, kv::StagedState kv);
  // Replaces the state: `install_kv` writes the kv state with the batch it
  // is given (node_writes plus the members), then the in-memory state
  // follows.
  Status replace_state(const ImageHeader& header, const storage::WriteBatch& node_writes,
                       const std::function<Status(const storage::WriteBatch&)>& install_kv);
  void members_changed();

  storage::Engine* const engine_;
  kv::Applier* const applier_;
  MemberRegistry* const members_;
  kv::WatchHub* watch_hub_ = nullptr;
  Lessor* lessor_ = nullptr;
  kv::AuthStore* auth_ = nullptr;
  AuthTokens* tokens_ = nullptr;
  kv::AlarmStore* alarms_ = nullptr;
  std::function<void()> on_members_changed_;
  std::function<void()> on_compaction_pending_;
  // Inside begin_batch/end_batch: the effects of kv requests not yet written.
  bool batching_ = false;
  std::vector<kv::ApplyResponse> unpublished_;

  mutable std::mutex staged_mu_;
  std::map<uint64_t, std::unique_ptr<StagedImage>> staged_;  // Guarded by staged_mu_.
  uint64_t next_staged_id_ = 1;                              // Guarded by staged_mu_.
};

}  // namespace strata::api
