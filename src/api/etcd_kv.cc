#include "api/etcd_kv.h"

#include <sys/statvfs.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/etcd_status.h"
#include "api/propose.h"
#include "kv/etcd_errors.h"
#include "kv/etcd_validate.h"

namespace strata::api {
namespace {

// How often the engine size is measured for the quota check, at most.
constexpr auto kQuotaCheckInterval = std::chrono::milliseconds(500);
// Close to a limit, measurements come faster: before writes at this rate
// could use up the room left (a follower's disk fills as fast as it can
// write what the others took).
constexpr uint64_t kFastestFillBytesPerMs = 1 << 20;  // 1 GiB/s.
constexpr auto kFastestCheckInterval = std::chrono::milliseconds(10);

}  // namespace

EtcdKv::EtcdKv(node::Node* node, raft::RangeId range, kv::Applier* applier, storage::Engine* engine,
               Executor* read_executor, Compactor* compactor, const MemberRegistry* members,
               ServerIdentity identity, KvLimits limits)
    : node_(node),
      range_(range),
      applier_(applier),
      engine_(engine),
      read_executor_(read_executor),
      compactor_(compactor),
      members_(members),
      identity_(identity),
      limits_(limits) {}

void EtcdKv::FillHeader(etcdserverpb::ResponseHeader* header) const {
  uint64_t cluster_id = members_->cluster_id();
  header->set_cluster_id(cluster_id != 0 ? cluster_id : identity_.provisional_cluster_id);
  header->set_member_id(identity_.member_id);
  auto status = node_->status(range_);
  if (status.ok()) header->set_raft_term(status->hard_state.term.value());
}

Status EtcdKv::CheckRequestSize(const google::protobuf::Message& request) const {
  if (request.ByteSizeLong() > limits_.max_request_bytes) {
    return kv::MakeEtcdError(kv::EtcdError::kRequestTooLarge);
  }
  return Status::Ok();
}

bool EtcdKv::no_space() const {
  if (alarms_ != nullptr) return alarms_->Raised(etcdserverpb::NOSPACE);
  return no_space_.load();
}

bool EtcdKv::OutOfSpace(uint64_t* headroom) const {
  uint64_t room = UINT64_MAX;
  if (limits_.quota_backend_bytes != 0) {
    auto size = engine_->ApproximateSize();
    if (size.ok() && *size > limits_.quota_backend_bytes) return true;
    if (size.ok()) room = limits_.quota_backend_bytes - *size;
  }
  if (limits_.disk_reserve_bytes != 0 && !limits_.data_dir.empty()) {
    struct statvfs fs {};
    if (statvfs(limits_.data_dir.c_str(), &fs) == 0) {
      const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      if (free_bytes < limits_.disk_reserve_bytes) {
        spdlog::warn("{} has {} bytes free, under the reserve of {}: writes stop (NOSPACE)",
                     limits_.data_dir, free_bytes, limits_.disk_reserve_bytes);
        return true;
      }
      room = std::min(room, free_bytes - limits_.disk_reserve_bytes);
    }
  }
  if (headroom != nullptr) *headroom = room;
  return false;
}

void EtcdKv::RaiseNoSpace() {
  if (alarms_ == nullptr || alarms_->Raised(etcdserverpb::NOSPACE)) return;
  if (raising_alarm_.exchange(true)) return;
  spdlog::warn("raising the NOSPACE alarm for this member");
  // Every member learns of the alarm through raft (etcd's ACTIVATE NOSPACE).
  requestpb::InternalRequest raise;
  raise.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  raise.mutable_alarm()->set_memberid(identity_.member_id);
  raise.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
  raise.mutable_header()->set_internal(true);
  node_->propose(range_, raise.SerializeAsString(), [this](node::ApplyResult applied) {
    if (!applied.status.ok()) {
      spdlog::warn("raising NOSPACE failed: {}", applied.status.ToString());
    }
    raising_alarm_ = false;
  });
}

Status EtcdKv::CheckQuota() {
  if (alarms_ != nullptr && alarms_->Raised(etcdserverpb::NOSPACE)) {
    return kv::MakeEtcdError(kv::EtcdError::kNoSpace);
  }
  if (limits_.quota_backend_bytes == 0 && limits_.disk_reserve_bytes == 0) return Status::Ok();
  {
    std::lock_guard lock(quota_mu_);
    auto now = std::chrono::steady_clock::now();
    // Only a sample with room to spare is reused: the alarm is raised on a
    // fresh measurement, since space freed just before a disarm must not
    // raise it again.
    if (no_space_ || now - quota_checked_ >= kQuotaCheckInterval) {
      quota_checked_ = now;
      no_space_ = OutOfSpace();
    }
  }
  if (!no_space_) return Status::Ok();
  RaiseNoSpace();
  return kv::MakeEtcdError(kv::EtcdError::kNoSpace);
}

std::chrono::milliseconds EtcdKv::CheckSpace() {
  uint64_t headroom = 0;
  {
    std::lock_guard lock(quota_mu_);
    quota_checked_ = std::chrono::steady_clock::now();
    no_space_ = OutOfSpace(&headroom);
  }
  if (no_space_) {
    RaiseNoSpace();
    return kQuotaCheckInterval;
  }
  auto until_full = std::chrono::milliseconds(
      static_cast<int64_t>(std::min<uint64_t>(headroom / kFastestFillBytesPerMs, INT32_MAX)));
  return std::clamp(until_full, kFastestCheckInterval, kQuotaCheckInterval);
}

template <typename T>
void EtcdKv::Propose(requestpb::InternalRequest request, Done<T> done) {
  ProposeRequest<T>(
      node_, range_, request, [this](etcdserverpb::ResponseHeader* h) { FillHeader(h); },
      std::move(done));
}

template <typename T>
void EtcdKv::Read(bool serializable, std::function<Result<T>()> read, Done<T> done) {
  auto shared_done = std::make_shared<Done<T>>(std::move(done));
  auto answer = [this, read = std::move(read), shared_done] {
    Result<T> response = read();
    if (!response.ok()) return (*shared_done)(ToEtcdStatus(response.status()));
    FillHeader(response->mutable_header());
    (*shared_done)(std::move(*response));
  };
  if (serializable) return answer();
  node_->read_index(range_,
                    [this, answer = std::move(answer), shared_done](node::ReadResult ready) {
                      if (!ready.ok()) return (*shared_done)(ToEtcdStatus(ready.status()));
                      // The store is caught up; read off the raft loop thread.
                      read_executor_->submit(answer);
                    });
}

Status EtcdKv::CheckPermitted(const Caller& caller,
                              const requestpb::InternalRequest& request) const {
  if (caller.internal || auth_ == nullptr) return Status::Ok();
  return kv::CheckRequestPermitted(*auth_, caller.user, request, applier_->leases());
}

void EtcdKv::StampCaller(const Caller& caller, requestpb::InternalRequest* request) {
  request->mutable_header()->set_username(caller.user);
  request->mutable_header()->set_internal(caller.internal);
}

void EtcdKv::Range(const Caller& caller, const etcdserverpb::RangeRequest& request,
                   Done<etcdserverpb::RangeResponse> done) {
  Status valid = kv::ValidateRange(request);
  if (valid.ok()) valid = CheckRequestSize(request);
  if (!valid.ok()) return done(valid);
  Read<etcdserverpb::RangeResponse>(
      request.serializable(),
      [this, caller, request]() -> Result<etcdserverpb::RangeResponse> {
        requestpb::InternalRequest internal;
        *internal.mutable_range() = request;
        STRATA_RETURN_IF_ERROR(CheckPermitted(caller, internal));
        return applier_->Range(request);
      },
      std::move(done));
}

void EtcdKv::Put(const Caller& caller, const etcdserverpb::PutRequest& request,
                 Done<etcdserverpb::PutResponse> done) {
  requestpb::InternalRequest internal;
  *internal.mutable_put() = request;
  Status valid = kv::ValidatePut(request);
  if (valid.ok()) valid = CheckRequestSize(request);
  if (valid.ok()) valid = CheckQuota();
  if (!valid.ok()) return done(valid);
  StampCaller(caller, &internal);
  Propose(std::move(internal), std::move(done));
}

void EtcdKv::DeleteRange(const Caller& caller, const etcdserverpb::DeleteRangeRequest& request,
                         Done<etcdserverpb::DeleteRangeResponse> done) {
  requestpb::InternalRequest internal;
  *internal.mutable_delete_range() = request;
  Status valid = kv::ValidateDeleteRange(request);
  if (valid.ok()) valid = CheckRequestSize(request);
  if (!valid.ok()) return done(valid);
  StampCaller(caller, &internal);
  Propose(std::move(internal), std::move(done));
}

void EtcdKv::Txn(const Caller& caller, const etcdserverpb::TxnRequest& request,
                 Done<etcdserverpb::TxnResponse> done) {
  requestpb::InternalRequest internal;
  *internal.mutable_txn() = request;
  Status valid = kv::ValidateTxn(request, limits_.max_txn_ops);
  if (valid.ok()) valid = CheckRequestSize(request);
  if (!valid.ok()) return done(valid);
  if (kv::IsTxnReadOnly(request)) {
    Read<etcdserverpb::TxnResponse>(
        kv::IsTxnSerializable(request),
        [this, caller, internal = std::move(internal)]() -> Result<etcdserverpb::TxnResponse> {
          STRATA_RETURN_IF_ERROR(CheckPermitted(caller, internal));
          return applier_->ReadOnlyTxn(internal.txn());
        },
        std::move(done));
    return;
  }
  Status quota = CheckQuota();
  if (!quota.ok()) return done(quota);
  StampCaller(caller, &internal);
  Propose(std::move(internal), std::move(done));
}

void EtcdKv::Compact(const Caller& caller, const etcdserverpb::CompactionRequest& request,
                     Done<etcdserverpb::CompactionResponse> done) {
  requestpb::InternalRequest internal;
  *internal.mutable_compaction() = request;
  StampCaller(caller, &internal);
  if (!request.physical() || compactor_ == nullptr) {
    Propose(std::move(internal), std::move(done));
    return;
  }
  // etcd answers a physical compaction once the history is gone.
  Done<etcdserverpb::CompactionResponse> after_drop =
      [this, done = std::move(done)](Result<etcdserverpb::CompactionResponse> response) {
        if (!response.ok()) return done(std::move(response));
        auto shared = std::make_shared<etcdserverpb::CompactionResponse>(std::move(*response));
        compactor_->when_done([done, shared](Status s) {
          if (!s.ok()) return done(s);
          done(std::move(*shared));
        });
      };
  Propose(std::move(internal), std::move(after_drop));
}

}  // namespace strata::api
