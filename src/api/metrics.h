// Metrics: the Prometheus metrics strata-server exposes on /metrics.
//
// One prometheus::Registry owned by a Metrics object, with a typed accessor
// per metric. Names follow etcd 3.4/3.5 wherever etcd has an equivalent, so
// that etcd's Grafana dashboards and alerts work unchanged; Strata-only
// metrics are prefixed `strata_`. Where etcd exposes a "..._total" as a gauge
// holding a raft index (proposals committed/applied), the type is etcd's too:
//
//   metrics.has_leader().Set(1);
//   metrics.proposals_committed().Set(commit_index);   // or Increment()
//   metrics.wal_fsync_duration().Observe(seconds);
//   metrics.observe_request("/etcdserverpb.KV/Put", 0 /* OK */, seconds);
//
// Thread-safety: every method is safe to call concurrently (prometheus-cpp
// metrics are atomic or internally locked; observe_request's cache is
// guarded by a mutex). References returned stay valid for the object's life.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace strata::api {

// go-grpc-prometheus's grpc_type label values.
enum class RpcType { kUnary, kClientStream, kServerStream, kBidiStream };

class Metrics {
 public:
  // The Content-Type of SerializeText()'s output (Prometheus text format
  // 0.0.4, as Go's promhttp sends it).
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // --- Server and raft (etcd_server_*) ---------------------------------
  // 1 when this member knows a leader, else 0.
  prometheus::Gauge& has_leader() { return *has_leader_; }
  // 1 when this member is the leader, else 0.
  prometheus::Gauge& is_leader() { return *is_leader_; }
  prometheus::Counter& leader_changes_seen() { return *leader_changes_seen_; }
  // etcd: a gauge set to the raft commit index.
  prometheus::Gauge& proposals_committed() { return *proposals_committed_; }
  // etcd: a gauge set to the applied index.
  prometheus::Gauge& proposals_applied() { return *proposals_applied_; }
  prometheus::Gauge& proposals_pending() { return *proposals_pending_; }
  prometheus::Counter& proposals_failed() { return *proposals_failed_; }
  // Incremented by the /health handler.
  prometheus::Counter& health_success() { return *health_success_; }
  prometheus::Counter& health_failures() { return *health_failures_; }

  // --- Disk and storage ---------------------------------------------------
  // Seconds per synced raft-log write; etcd's buckets (1 ms .. 8.192 s, x2).
  prometheus::Histogram& wal_fsync_duration() { return *wal_fsync_duration_; }
  // Seconds per state-machine batch commit; same buckets.
  prometheus::Histogram& backend_commit_duration() { return *backend_commit_duration_; }
  prometheus::Gauge& db_total_size_bytes() { return *db_total_size_bytes_; }

  // --- Strata-only ----------------------------------------------------------
  prometheus::Gauge& raft_term() { return *raft_term_; }
  // Seconds to apply one committed entry; buckets 100 us .. ~52 s (x2), like
  // etcd 3.5's etcd_server_apply_duration_seconds.
  prometheus::Histogram& apply_duration() { return *apply_duration_; }
  // The store's latest-version cache (kv::LatestCache::Stats): lookups it
  // answered and did not, as running totals, and its size. The counters
  // take what the totals grew by since the last call. Safe from any thread.
  void set_latest_cache(uint64_t hits, uint64_t misses, size_t bytes);
  // The leader's consistency checks (--corrupt-check-interval) that ran to
  // their end, and the members they found different (each raised CORRUPT).
  prometheus::Counter& corruption_checks() { return *corruption_checks_; }
  prometheus::Counter& corruption_mismatches() { return *corruption_mismatches_; }

  // --- Requests (go-grpc-prometheus names) ---------------------------------
  // Counts one finished request in grpc_server_handled_total and its latency
  // in grpc_server_handling_seconds. `method` is the full gRPC name
  // "/etcdserverpb.KV/Range" (grpc_service="etcdserverpb.KV",
  // grpc_method="Range"); a bare "Range" gets grpc_service="". `grpc_code`
  // is a grpc::StatusCode value (0 = OK); out-of-range values count as
  // "Unknown". The gRPC services and the HTTP gateway both call this.
  void observe_request(std::string_view method, int grpc_code, double seconds,
                       RpcType type = RpcType::kUnary);
  // How many requests observe_request() has counted.
  uint64_t requests_served() const { return requests_served_.load(std::memory_order_relaxed); }

  // The whole registry in the Prometheus text exposition format.
  std::string SerializeText() const;

  // For layers that register metrics of their own.
  prometheus::Registry& registry() { return *registry_; }

  // Go's codes.Code.String() of a gRPC code ("OK", "Canceled", ...).
  static std::string_view GrpcCodeName(int grpc_code);
  // prometheus.ExponentialBuckets(start, factor, count), bit-for-bit.
  static std::vector<double> ExponentialBuckets(double start, double factor, int count);

 private:
  struct RequestSeries {
    prometheus::Counter* handled;
    prometheus::Histogram* handling;
  };

  std::shared_ptr<prometheus::Registry> registry_;

  prometheus::Gauge* has_leader_;
  prometheus::Gauge* is_leader_;
  prometheus::Counter* leader_changes_seen_;
  prometheus::Gauge* proposals_committed_;
  prometheus::Gauge* proposals_applied_;
  prometheus::Gauge* proposals_pending_;
  prometheus::Counter* proposals_failed_;
  prometheus::Counter* health_success_;
  prometheus::Counter* health_failures_;
  prometheus::Histogram* wal_fsync_duration_;
  prometheus::Histogram* backend_commit_duration_;
  prometheus::Gauge* db_total_size_bytes_;
  prometheus::Gauge* raft_term_;
  prometheus::Histogram* apply_duration_;
  prometheus::Counter* latest_cache_hits_;
  prometheus::Counter* latest_cache_misses_;
  prometheus::Gauge* latest_cache_bytes_;
  prometheus::Counter* corruption_checks_;
  prometheus::Counter* corruption_mismatches_;
  std::mutex latest_cache_mu_;
  uint64_t latest_cache_hits_seen_ = 0;    // Guarded by latest_cache_mu_.
  uint64_t latest_cache_misses_seen_ = 0;  // Guarded by latest_cache_mu_.

  prometheus::Family<prometheus::Counter>* handled_family_;
  prometheus::Family<prometheus::Histogram>* handling_family_;

  std::mutex series_mu_;
  // Key: type, method and code joined; guarded by series_mu_.
  std::unordered_map<std::string, RequestSeries> series_;
  std::atomic<uint64_t> requests_served_{0};
};

}  // namespace strata::api
