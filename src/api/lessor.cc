#include "api/lessor.h"

#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "base/thread_name.h"
#include "kv/etcd_errors.h"
#include "strata/request.pb.h"

namespace strata::api {
namespace {

std::string EncodeId(int64_t id) {
  std::string out;
  PutFixed64(&out, static_cast<uint64_t>(id));
  return out;
}

Result<int64_t> DecodeId(std::string_view in) {
  if (in.size() != 8) return Status::InvalidArgument("lease peer call: payload is not 8 bytes");
  return static_cast<int64_t>(DecodeFixed64(in));
}

Status LeaseNotFound() { return kv::MakeEtcdError(kv::EtcdError::kLeaseNotFound); }

}  // namespace

Lessor::Lessor(LessorDeps deps, LessorOptions options) : deps_(std::move(deps)), options_(options) {
  STRATA_ASSERT(deps_.node != nullptr && deps_.leases != nullptr);
}

Lessor::~Lessor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Lessor::start() {
  thread_ = std::thread([this] {
    SetThreadName("lessor");
    run();
  });
}

bool Lessor::sync_role_locked(Clock::time_point now) {
  auto st = deps_.node->status(deps_.range);
  bool leads = st.ok() && st->soft_state.role == raft::Role::kLeader;
  if (leads && !leading_) {
    // A new leader does not know its predecessor's clock: full TTLs again.
    expiry_.clear();
    for (const auto& [id, ttl] : deps_.leases->List()) {
      expiry_[id] = now + std::chrono::seconds(ttl) + options_.promote_extension;
    }
    spdlog::info("lessor: leading; {} lease(s) renewed to their full TTL", expiry_.size());
  } else if (!leads && leading_) {
    expiry_.clear();
    revoking_.clear();
  }
  leading_ = leads;
  return leads;
}

void Lessor::on_granted(int64_t id, int64_t ttl) {
  std::lock_guard lock(mu_);
  if (leading_) expiry_[id] = Clock::now() + std::chrono::seconds(ttl);
}

void Lessor::on_revoked(int64_t id) {
  std::lock_guard lock(mu_);
  expiry_.erase(id);
  revoking_.erase(id);
}

Result<int64_t> Lessor::renew_local(int64_t id) {
  std::lock_guard lock(mu_);
  Clock::time_point now = Clock::now();
  if (!sync_role_locked(now)) return kv::MakeEtcdError(kv::EtcdError::kNotLeader);
  std::optional<int64_t> ttl = deps_.leases->Ttl(id);
  auto it = expiry_.find(id);
  // An expired lease is as good as revoked (its revoke is on its way).
  if (!ttl || it == expiry_.end() || it->second <= now || revoking_.contains(id)) {
    return LeaseNotFound();
  }
  it->second = now + std::chrono::seconds(*ttl);
  return *ttl;
}

Result<int64_t> Lessor::remaining_local(int64_t id) {
  std::lock_guard lock(mu_);
  Clock::time_point now = Clock::now();
  if (!sync_role_locked(now)) return kv::MakeEtcdError(kv::EtcdError::kNotLeader);
  auto it = expiry_.find(id);
  if (!deps_.leases->Exists(id) || it == expiry_.end() || it->second <= now) {
    return LeaseNotFound();
  }
  return std::chrono::duration_cast<std::chrono::seconds>(it->second - now).count();
}

void Lessor::on_leader(std::function<Result<int64_t>(int64_t)> local, int64_t id,
                       std::function<void(Result<int64_t>)> done) {
  Result<int64_t> answer = local(id);
  if (answer.ok() || !kv::IsEtcdError(answer.status(), kv::EtcdError::kLeaseNotFound)) {
    return done(std::move(answer));
  }
  // A follower may have applied the grant, answered its client and passed
  // the client's first keep-alive here before this leader applied it (a new
  // leader, say). A ReadIndex round ends once this member applied all that
  // was committed, that grant included: then the lease is known, or gone.
  deps_.node->read_index(deps_.range, [local = std::move(local), id,
                                       done = std::move(done)](node::ReadResult caught_up) {
    if (!caught_up.ok()) return done(caught_up.status());
    done(local(id));
  });
}

void Lessor::ask_leader(std::string_view method, int64_t id,
                        std::function<Result<int64_t>(int64_t)> local,
                        std::function<void(Result<int64_t>)> done) {
  auto st = deps_.node->status(deps_.range);
  raft::NodeId leader = st.ok() ? st->soft_state.leader : raft::NodeId();
  if (leader == deps_.self) return on_leader(std::move(local), id, std::move(done));
  if (leader.none() || !deps_.call_peer) {
    return done(kv::MakeEtcdError(kv::EtcdError::kNoLeader));
  }
  deps_.call_peer(leader, std::string(method), EncodeId(id),
                  [done = std::move(done)](Result<std::string> reply) {
                    if (!reply.ok()) return done(reply.status());
                    done(DecodeId(*reply));
                  });
}

void Lessor::keep_alive(int64_t id, std::function<void(Result<int64_t>)> done) {
  ask_leader(
      kRenewMethod, id, [this](int64_t lease) { return renew_local(lease); }, std::move(done));
}

void Lessor::remaining(int64_t id, std::function<void(Result<int64_t>)> done) {
  ask_leader(
      kRemainingMethod, id, [this](int64_t lease) { return remaining_local(lease); },
      std::move(done));
}

void Lessor::serve_peer_call(const std::string& method, const std::string& payload,
                             std::function<void(Result<std::string>)> reply) {
  Result<int64_t> id = DecodeId(payload);
  if (!id.ok()) return reply(id.status());
  std::function<Result<int64_t>(int64_t)> local;
  if (method == kRenewMethod) {
    local = [this](int64_t lease) { return renew_local(lease); };
  } else if (method == kRemainingMethod) {
    local = [this](int64_t lease) { return remaining_local(lease); };
  } else {
    return reply(Status::InvalidArgument("lease peer call: unknown method " + method));
  }
  on_leader(std::move(local), *id, [reply = std::move(reply)](Result<int64_t> answer) {
    if (!answer.ok()) return reply(answer.status());
    reply(EncodeId(*answer));
  });
}

void Lessor::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.check_interval, [this] { return stopping_; });
    if (stopping_) return;
    if (!sync_role_locked(Clock::now())) continue;
    lock.unlock();
    revoke_expired();
    lock.lock();
  }
}

void Lessor::revoke_expired() {
  std::vector<int64_t> expired;
  {
    std::lock_guard lock(mu_);
    Clock::time_point now = Clock::now();
    for (const auto& [id, at] : expiry_) {
      if (at > now || revoking_.contains(id)) continue;
      expired.push_back(id);
      if (static_cast<int>(expired.size()) >= options_.max_revokes_per_check) break;
    }
    revoking_.insert(expired.begin(), expired.end());
  }
  for (int64_t id : expired) {
    requestpb::InternalRequest request;
    request.mutable_lease_revoke()->set_id(id);
    request.mutable_header()->set_internal(true);  // Expiry is the server's own decision.
    deps_.node->propose(deps_.range, request.SerializeAsString(),
                        [this, id](node::ApplyResult applied) {
                          if (applied.status.ok()) return;  // on_revoked did the rest.
                          // Not committed (leader change, timeout): try again later.
                          std::lock_guard lock(mu_);
                          revoking_.erase(id);
                        });
  }
}

}  // namespace strata::api
