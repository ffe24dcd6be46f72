// FakeKv: an in-memory KvFrontend for the HTTP tests, with etcd's revision
// semantics for the cases the tests use (single keys and [key, range_end)
// ranges, prev_kv, simple txn compares, compaction), plus knobs to fail every
// call with a given Status or to hold callbacks unanswered.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api/kv_frontend.h"
#include "kv/etcd_errors.h"

namespace strata::api::testing {

class FakeKv final : public KvFrontend {
 public:
  // The ids of etcd's gateway documentation example.
  static constexpr uint64_t kClusterId = 12585971608760269493ULL;
  static constexpr uint64_t kMemberId = 13847567121247652255ULL;
  static constexpr uint64_t kRaftTerm = 3;

  // Every later call fails with s (OK: serve normally).
  void FailWith(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = std::move(s);
  }
  // Later calls are held, unanswered, until ReleaseHeld() (or forever).
  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
  }
  // Answers every held call with Unavailable.
  void ReleaseHeld() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& f : held) f();
  }
  // Blocks until at least n calls have been made.
  void WaitForCalls(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    calls_cv_.wait(lock, [&] { return calls_ >= n; });
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  void Range(const Caller&, const etcdserverpb::RangeRequest& req,
             Done<etcdserverpb::RangeResponse> done) override {
    Serve<etcdserverpb::RangeResponse>(std::move(done), [&] { return RangeLocked(req); });
  }
  void Put(const Caller&, const etcdserverpb::PutRequest& req,
           Done<etcdserverpb::PutResponse> done) override {
    Serve<etcdserverpb::PutResponse>(std::move(done), [&]() -> Result<etcdserverpb::PutResponse> {
      if (req.key().empty()) return kv::MakeEtcdError(kv::EtcdError::kEmptyKey);
      ++revision_;
      return PutLocked(req);
    });
  }
  void DeleteRange(const Caller&, const etcdserverpb::DeleteRangeRequest& req,
                   Done<etcdserverpb::DeleteRangeResponse> done) override {
    Serve<etcdserverpb::DeleteRangeResponse>(std::move(done),
                                             [&]() -> Result<etcdserverpb::DeleteRangeResponse> {
                                               if (req.key().empty())
                                                 return kv::MakeEtcdError(kv::EtcdError::kEmptyKey);
                                               bool any = !Keys(req.key(), req.range_end()).empty();
                                               if (any) ++revision_;
                                               return DeleteLocked(req);
                                             });
  }
  void Txn(const Caller&, const etcdserverpb::TxnRequest& req,
           Done<etcdserverpb::TxnResponse> done) override {
    Serve<etcdserverpb::TxnResponse>(
        std::move(done), [&]() -> Result<etcdserverpb::TxnResponse> { return TxnLocked(req); });
  }
  void Compact(const Caller&, const etcdserverpb::CompactionRequest& req,
               Done<etcdserverpb::CompactionResponse> done) override {
    Serve<etcdserverpb::CompactionResponse>(std::move(done),
                                            [&]() -> Result<etcdserverpb::CompactionResponse> {
                                              if (req.revision() <= compacted_)
                                                return kv::MakeEtcdError(kv::EtcdError::kCompacted);
                                              if (req.revision() > revision_)
                                                return kv::MakeEtcdError(kv::EtcdError::kFutureRev);
                                              compacted_ = req.revision();
                                              etcdserverpb::CompactionResponse resp;
                                              FillHeader(resp.mutable_header());
                                              return resp;
                                            });
  }

 private:
  template <typename Resp, typename F>
  void Serve(Done<Resp> done, F&& op) {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    calls_cv_.notify_all();
    if (hold_) {
      held_.push_back([done] { done(Status::Unavailable("released")); });
      return;
    }
    if (!fail_.ok()) {
      Status s = fail_;
      lock.unlock();
      done(s);
      return;
    }
    Result<Resp> r = op();
    lock.unlock();
    done(std::move(r));
  }

  void FillHeader(etcdserverpb::ResponseHeader* h) const {
    h->set_cluster_id(kClusterId);
    h->set_member_id(kMemberId);
    h->set_revision(revision_);
    h->set_raft_term(kRaftTerm);
  }

  std::vector<std::string> Keys(const std::string& key, const std::string& end) const {
    std::vector<std::string> out;
    if (end.empty()) {
      if (kvs_.count(key) != 0) out.push_back(key);
      return out;
    }
    bool to_end = end == std::string(1, '\0');
    for (auto it = kvs_.lower_bound(key); it != kvs_.end() && (to_end || it->first < end); ++it) {
      out.push_back(it->first);
    }
    return out;
  }

  Result<etcdserverpb::RangeResponse> RangeLocked(const etcdserverpb::RangeRequest& req) const {
    if (req.key().empty()) return kv::MakeEtcdError(kv::EtcdError::kEmptyKey);
    if (req.revision() > 0 && req.revision() <= compacted_) {
      return kv::MakeEtcdError(kv::EtcdError::kCompacted);
    }
    etcdserverpb::RangeResponse resp;
    FillHeader(resp.mutable_header());
    std::vector<std::string> keys = Keys(req.key(), req.range_end());
    for (const std::string& k : keys) {
      if (req.limit() > 0 && resp.kvs_size() >= req.limit()) {
        resp.set_more(true);
        break;
      }
      if (!req.count_only()) *resp.add_kvs() = kvs_.at(k);
    }
    resp.set_count(static_cast<int64_t>(keys.size()));
    return resp;
  }

  // REQUIRES: revision_ already advanced for this write.
  etcdserverpb::PutResponse PutLocked(const etcdserverpb::PutRequest& req) {
    etcdserverpb::PutResponse resp;
    mvccpb::KeyValue& kv = kvs_[req.key()];
    if (req.prev_kv() && kv.version() > 0) *resp.mutable_prev_kv() = kv;
    if (kv.version() == 0) kv.set_create_revision(revision_);
    kv.set_key(req.key());
    kv.set_mod_revision(revision_);
    kv.set_version(kv.version() + 1);
    kv.set_value(req.value());
    kv.set_lease(req.lease());
    FillHeader(resp.mutable_header());
    return resp;
  }

  etcdserverpb::DeleteRangeResponse DeleteLocked(const etcdserverpb::DeleteRangeRequest& req) {
    etcdserverpb::DeleteRangeResponse resp;
    for (const std::string& k : Keys(req.key(), req.range_end())) {
      if (req.prev_kv()) *resp.add_prev_kvs() = kvs_.at(k);
      kvs_.erase(k);
      resp.set_deleted(resp.deleted() + 1);
    }
    FillHeader(resp.mutable_header());
    return resp;
  }

  bool Holds(const etcdserverpb::Compare& c) const {
    auto it = kvs_.find(c.key());
    int cmp = 0;
    if (c.target() == etcdserverpb::Compare::VALUE) {
      if (it == kvs_.end()) return false;
      cmp = it->second.value().compare(c.value());
    } else {
      int64_t have = it == kvs_.end() ? 0 : it->second.version();
      cmp = have < c.version() ? -1 : (have > c.version() ? 1 : 0);
    }
    switch (c.result()) {
      case etcdserverpb::Compare::EQUAL:
        return cmp == 0;
      case etcdserverpb::Compare::NOT_EQUAL:
        return cmp != 0;
      case etcdserverpb::Compare::GREATER:
        return cmp > 0;
      case etcdserverpb::Compare::LESS:
        return cmp < 0;
      default:
        return false;
    }
  }

  Result<etcdserverpb::TxnResponse> TxnLocked(const etcdserverpb::TxnRequest& req) {
    bool ok = true;
    for (const auto& c : req.compare()) ok = ok && Holds(c);
    const auto& ops = ok ? req.success() : req.failure();
    bool writes = false;
    for (const auto& op : ops)
      writes = writes || op.has_request_put() || op.has_request_delete_range();
    if (writes) ++revision_;
    etcdserverpb::TxnResponse resp;
    resp.set_succeeded(ok);
    for (const auto& op : ops) {
      etcdserverpb::ResponseOp* out = resp.add_responses();
      if (op.has_request_put()) {
        if (op.request_put().key().empty()) return kv::MakeEtcdError(kv::EtcdError::kEmptyKey);
        *out->mutable_response_put() = PutLocked(op.request_put());
      } else if (op.has_request_delete_range()) {
        *out->mutable_response_delete_range() = DeleteLocked(op.request_delete_range());
      } else if (op.has_request_range()) {
        Result<etcdserverpb::RangeResponse> r = RangeLocked(op.request_range());
        if (!r.ok()) return r.status();
        *out->mutable_response_range() = std::move(r.value());
      }
    }
    FillHeader(resp.mutable_header());
    // Nested headers carry the txn's final revision too (a simplification).
    for (auto& r : *resp.mutable_responses()) {
      if (r.has_response_put()) FillHeader(r.mutable_response_put()->mutable_header());
      if (r.has_response_range()) FillHeader(r.mutable_response_range()->mutable_header());
      if (r.has_response_delete_range()) {
        FillHeader(r.mutable_response_delete_range()->mutable_header());
      }
    }
    return resp;
  }

  std::mutex mu_;
  std::condition_variable calls_cv_;
  std::map<std::string, mvccpb::KeyValue> kvs_;  // guarded by mu_
  int64_t revision_ = 1;                         // guarded by mu_; etcd starts at 1
  int64_t compacted_ = 0;                        // guarded by mu_
  Status fail_;                                  // guarded by mu_
  bool hold_ = false;                            // guarded by mu_
  int calls_ = 0;                                // guarded by mu_
  std::vector<std::function<void()>> held_;      // guarded by mu_
};

}  // namespace strata::api::testing
