#include "api/maintenance_service.h"

#include <thread>

#include "api/etcd_status.h"
#include "base/sha256.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

using kv::EtcdError;
using kv::MakeEtcdError;

constexpr size_t kSnapshotChunkBytes = 1 << 20;

// etcd's snapshot files are bolt databases (whole 512-byte pages) followed
// by a SHA-256 of them, and etcdctl checks that shape before saving.
constexpr size_t kSnapshotPageBytes = 512;

// Streams the state machine's image (api/state_image.h), read from one
// engine view a chunk per write, then zero padding to a whole number of
// pages, then the SHA-256 of both, so that a restore can verify it. The
// image's own framing tells where it ends. Memory: about one chunk, however
// large the state. The reader (and the view it pins) goes as soon as the
// image has been read.
class SnapshotStream final : public grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse> {
 public:
  SnapshotStream(std::unique_ptr<node::SnapshotReader> reader, etcdserverpb::ResponseHeader header)
      : reader_(std::move(reader)), header_(std::move(header)) {
    estimate_ = reader_->size_hint();
    if (!sha_.ok()) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "snapshot: SHA-256 unavailable"));
      return;
    }
    WriteNext();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "snapshot stream broken"));
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (done_) {
      Finish(grpc::Status::OK);
      return;
    }
    std::string blob;
    while (blob.size() < kSnapshotChunkBytes && reader_ != nullptr) {
      auto more = reader_->Read(kSnapshotChunkBytes - blob.size(), &blob);
      if (!more.ok()) {
        Finish(ToGrpcStatus(more.status()));
        return;
      }
      if (!*more) reader_.reset();
    }
    sent_ += blob.size();
    if (reader_ == nullptr) {
      size_t padding = (kSnapshotPageBytes - sent_ % kSnapshotPageBytes) % kSnapshotPageBytes;
      blob.append(padding, '\0');
      sent_ += padding;
    }
    sha_.Update(blob);
    if (reader_ == nullptr) {
      blob.append(sha_.Finish());
      done_ = true;
    }
    response_.Clear();
    if (first_) *response_.mutable_header() = header_;
    first_ = false;
    response_.set_blob(std::move(blob));
    // The total is known only at the end: an estimate until then, never 0.
    response_.set_remaining_bytes(
        done_ ? 0 : std::max<uint64_t>(1, estimate_ - std::min(estimate_, sent_)));
    StartWrite(&response_);
  }

  std::unique_ptr<node::SnapshotReader> reader_;  // Null once the image is read.
  etcdserverpb::ResponseHeader header_;
  Sha256 sha_;
  etcdserverpb::SnapshotResponse response_;
  uint64_t estimate_ = 0;
  uint64_t sent_ = 0;  // Image and padding bytes.
  bool first_ = true;
  bool done_ = false;
};

}  // namespace

bool MaintenanceService::Admitted(grpc::CallbackServerContext* context,
                                  grpc::ServerUnaryReactor* reactor) const {
  if (deps_.auth == nullptr) return true;
  strata::Status admin = deps_.auth->RequireAdmin(*context);
  if (admin.ok()) return true;
  reactor->Finish(ToGrpcStatus(admin));
  return false;
}

grpc::ServerUnaryReactor* MaintenanceService::Alarm(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::AlarmRequest* request,
                                                    etcdserverpb::AlarmResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (!Admitted(context, reactor)) return reactor;
  if (request->action() != etcdserverpb::AlarmRequest::GET) {
    if (deps_.alarms == nullptr) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "alarms are not kept"));
      return reactor;
    }
    requestpb::InternalRequest internal;
    *internal.mutable_alarm() = *request;
    internal.mutable_header()->set_internal(true);
    deps_.node->propose(
        deps_.range, internal.SerializeAsString(),
        [this, reactor, response](node::ApplyResult applied) {
          if (!applied.status.ok()) return reactor->Finish(ToGrpcStatus(applied.status));
          auto* reply =
              std::any_cast<std::shared_ptr<google::protobuf::Message>>(&applied.response);
          auto* alarms =
              reply != nullptr ? dynamic_cast<etcdserverpb::AlarmResponse*>(reply->get()) : nullptr;
          if (alarms != nullptr) *response = *alarms;
          deps_.kv->FillHeader(response->mutable_header());
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }
  deps_.kv->FillHeader(response->mutable_header());
  if (deps_.alarms != nullptr) {
    for (const auto& [member, type] : deps_.alarms->List()) {
      bool member_matches = request->memberid() == 0 || request->memberid() == member;
      bool type_matches = request->alarm() == etcdserverpb::NONE || request->alarm() == type;
      if (!member_matches || !type_matches) continue;
      auto* alarm = response->add_alarms();
      alarm->set_memberid(member);
      alarm->set_alarm(static_cast<etcdserverpb::AlarmType>(type));
    }
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* MaintenanceService::Status(grpc::CallbackServerContext* context,
                                                     const etcdserverpb::StatusRequest* /*request*/,
                                                     etcdserverpb::StatusResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto status = deps_.node->status(deps_.range);
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status.status()));
    return reactor;
  }
  deps_.kv->FillHeader(response->mutable_header());
  response->mutable_header()->set_revision(deps_.store->CurrentRevision());
  response->set_version(deps_.version);
  auto size = deps_.engine->ApproximateSize();
  if (size.ok()) {
    response->set_dbsize(static_cast<int64_t>(*size));
    response->set_dbsizeinuse(static_cast<int64_t>(*size));
  }
  response->set_leader(status->soft_state.leader.value());
  response->set_raftindex(status->hard_state.commit.value());
  response->set_raftterm(status->hard_state.term.value());
  response->set_raftappliedindex(status->applied.value());
  const auto& learners = status->conf_state.learners;
  response->set_islearner(
      std::find(learners.begin(), learners.end(), raft::NodeId(deps_.member_id)) != learners.end());
  if (deps_.alarms != nullptr) {
    for (const auto& [member, type] : deps_.alarms->List()) {
      response->add_errors(
          "memberID:" + std::to_string(member) +
          " alarm:" + etcdserverpb::AlarmType_Name(static_cast<etcdserverpb::AlarmType>(type)));
    }
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* MaintenanceService::Defragment(
    grpc::CallbackServerContext* context, const etcdserverpb::DefragmentRequest* /*request*/,
    etcdserverpb::DefragmentResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (!Admitted(context, reactor)) return reactor;
  deps_.executor->submit([this, reactor, response] {
    strata::Status s = deps_.engine->CompactAll();
    if (!s.ok()) return reactor->Finish(ToGrpcStatus(s));
    deps_.kv->FillHeader(response->mutable_header());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* MaintenanceService::HashKV(grpc::CallbackServerContext* context,
                                                     const etcdserverpb::HashKVRequest* request,
                                                     etcdserverpb::HashKVResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (!Admitted(context, reactor)) return reactor;
  deps_.executor->submit([this, reactor, request, response] {
    auto hash = deps_.store->HashByRev(request->revision());
    if (!hash.ok()) return reactor->Finish(ToGrpcStatus(hash.status()));
    deps_.kv->FillHeader(response->mutable_header());
    response->mutable_header()->set_revision(hash->revision);
    response->set_hash(hash->hash);
    response->set_compact_revision(hash->compact_revision);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* MaintenanceService::MoveLeader(
    grpc::CallbackServerContext* context, const etcdserverpb::MoveLeaderRequest* request,
    etcdserverpb::MoveLeaderResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (!Admitted(context, reactor)) return reactor;
  raft::NodeId target(request->targetid());
  deps_.node->transfer_leader(
      deps_.range, target, [this, reactor, response, target](strata::Status started) {
        if (!started.ok()) {
          if (started.Is(StatusCode::kInvalidArgument)) {
            return reactor->Finish(ToGrpcStatus(MakeEtcdError(EtcdError::kBadLeaderTransferee)));
          }
          return reactor->Finish(ToGrpcStatus(started));
        }
        // Wait for the outcome off the raft loop, as etcd's MoveLeader does.
        std::thread([this, reactor, response, target] {
          auto deadline = std::chrono::steady_clock::now() + deps_.move_leader_timeout;
          while (std::chrono::steady_clock::now() < deadline) {
            auto st = deps_.node->status(deps_.range);
            if (st.ok() && st->soft_state.leader == target) {
              deps_.kv->FillHeader(response->mutable_header());
              return reactor->Finish(grpc::Status::OK);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          reactor->Finish(ToGrpcStatus(MakeEtcdError(EtcdError::kTimeout)));
        }).detach();
      });
  return reactor;
}

grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* MaintenanceService::Snapshot(
    grpc::CallbackServerContext* /*context*/, const etcdserverpb::SnapshotRequest* /*request*/) {
  etcdserverpb::ResponseHeader header;
  deps_.kv->FillHeader(&header);
  header.set_revision(deps_.store->CurrentRevision());
  // A consistent image, streamed from its engine view: never held whole.
  auto image = deps_.state_machine->capture_snapshot();
  Result<std::unique_ptr<node::SnapshotReader>> reader =
      image.ok() ? (*image)->Open() : Result<std::unique_ptr<node::SnapshotReader>>(image.status());
  if (!reader.ok()) {
    // A reactor that fails at once.
    class Failed final : public grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse> {
     public:
      explicit Failed(grpc::Status s) { Finish(std::move(s)); }
      void OnDone() override { delete this; }
    };
    return new Failed(ToGrpcStatus(reader.status()));
  }
  return new SnapshotStream(std::move(*reader), std::move(header));
}

}  // namespace strata::api
