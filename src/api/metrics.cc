#include "api/metrics.h"

#include <array>

#include <prometheus/text_serializer.h>

namespace strata::api {
namespace {

// go-grpc-prometheus's DefBuckets (prometheus.DefBuckets).
const std::vector<double> kRpcBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string_view RpcTypeName(RpcType type) {
  switch (type) {
    case RpcType::kUnary:
      return "unary";
    case RpcType::kClientStream:
      return "client_stream";
    case RpcType::kServerStream:
      return "server_stream";
    case RpcType::kBidiStream:
      return "bidi_stream";
  }
  return "unary";
}

prometheus::Gauge* AddGauge(prometheus::Registry& r, const std::string& name,
                            const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

prometheus::Counter* AddCounter(prometheus::Registry& r, const std::string& name,
                                const std::string& help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Histogram* AddHistogram(prometheus::Registry& r, const std::string& name,
                                    const std::string& help, const std::vector<double>& buckets) {
  return &prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add({}, buckets);
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  has_leader_ = AddGauge(r, "etcd_server_has_leader",
                         "Whether or not a leader exists. 1 is existence, 0 is not.");
  is_leader_ = AddGauge(r, "etcd_server_is_leader",
                        "Whether or not this member is a leader. 1 if is, 0 otherwise.");
  leader_changes_seen_ =
      AddCounter(r, "etcd_server_leader_changes_seen_total", "The number of leader changes seen.");
  proposals_committed_ = AddGauge(r, "etcd_server_proposals_committed_total",
                                  "The total number of consensus proposals committed.");
  proposals_applied_ = AddGauge(r, "etcd_server_proposals_applied_total",
                                "The total number of consensus proposals applied.");
  proposals_pending_ = AddGauge(r, "etcd_server_proposals_pending",
                                "The current number of pending proposals to commit.");
  proposals_failed_ = AddCounter(r, "etcd_server_proposals_failed_total",
                                 "The total number of failed proposals seen.");
  health_success_ =
      AddCounter(r, "etcd_server_health_success", "The total number of successful health checks");
  health_failures_ =
      AddCounter(r, "etcd_server_health_failures", "The total number of failed health checks");

  const std::vector<double> disk_buckets = ExponentialBuckets(0.001, 2, 14);
  wal_fsync_duration_ =
      AddHistogram(r, "etcd_disk_wal_fsync_duration_seconds",
                   "The latency distributions of fsync called by WAL.", disk_buckets);
  backend_commit_duration_ =
      AddHistogram(r, "etcd_disk_backend_commit_duration_seconds",
                   "The latency distributions of commit called by backend.", disk_buckets);
  db_total_size_bytes_ =
      AddGauge(r, "etcd_mvcc_db_total_size_in_bytes",
               "Total size of the underlying database physically allocated in bytes.");

  raft_term_ = AddGauge(r, "strata_raft_term", "The current raft term of this member.");
  corruption_checks_ =
      AddCounter(r, "strata_corruption_checks_total",
                 "The leader's consistency checks of every member's HashKV that completed.");
  corruption_mismatches_ =
      AddCounter(r, "strata_corruption_mismatches_total",
                 "Members found with a history different from the leader's (CORRUPT raised).");
  apply_duration_ = AddHistogram(r, "strata_raft_apply_duration_seconds",
                                 "The latency distributions of applying one committed entry.",
                                 ExponentialBuckets(0.0001, 2, 20));
  latest_cache_hits_ =
      AddCounter(r, "strata_mvcc_latest_cache_hits_total",
                 "Puts that found the version they replace in the latest-version cache.");
  latest_cache_misses_ =
      AddCounter(r, "strata_mvcc_latest_cache_misses_total",
                 "Puts that read the version they replace from the engine instead.");
  latest_cache_bytes_ = AddGauge(r, "strata_mvcc_latest_cache_bytes",
                                 "Memory held by the latest-version cache, in bytes.");

  handled_family_ =
      &prometheus::BuildCounter()
           .Name("grpc_server_handled_total")
           .Help("Total number of RPCs completed on the server, regardless of success or failure.")
           .Register(r);
  handling_family_ = &prometheus::BuildHistogram()
                          .Name("grpc_server_handling_seconds")
                          .Help(
                              "Histogram of response latency (seconds) of gRPC that had been "
                              "application-level handled by the server.")
                          .Register(r);
}

void Metrics::set_latest_cache(uint64_t hits, uint64_t misses, size_t bytes) {
  auto add_growth = [](prometheus::Counter* counter, uint64_t total, uint64_t* seen) {
    if (total <= *seen) return;
    counter->Increment(static_cast<double>(total - *seen));
    *seen = total;
  };
  std::lock_guard lock(latest_cache_mu_);
  add_growth(latest_cache_hits_, hits, &latest_cache_hits_seen_);
  add_growth(latest_cache_misses_, misses, &latest_cache_misses_seen_);
  latest_cache_bytes_->Set(static_cast<double>(bytes));
}

void Metrics::observe_request(std::string_view method, int grpc_code, double seconds,
                              RpcType type) {
  std::string_view type_name = RpcTypeName(type);
  std::string_view code_name = GrpcCodeName(grpc_code);
  std::string key;
  key.reserve(type_name.size() + method.size() + code_name.size() + 2);
  key.append(type_name).append(1, '|').append(method).append(1, '|').append(code_name);

  RequestSeries s;
  {
    std::lock_guard<std::mutex> lock(series_mu_);
    auto it = series_.find(key);
    if (it == series_.end()) {
      // "/pkg.Service/Method" -> service "pkg.Service", method "Method".
      std::string_view service;
      std::string_view name = method;
      if (!name.empty() && name.front() == '/') name.remove_prefix(1);
      if (size_t slash = name.rfind('/'); slash != std::string_view::npos) {
        service = name.substr(0, slash);
        name = name.substr(slash + 1);
      }
      prometheus::Labels labels = {{"grpc_type", std::string(type_name)},
                                   {"grpc_service", std::string(service)},
                                   {"grpc_method", std::string(name)}};
      RequestSeries added;
      added.handling = &handling_family_->Add(labels, kRpcBuckets);
      labels.emplace("grpc_code", std::string(code_name));
      added.handled = &handled_family_->Add(labels);
      it = series_.emplace(std::move(key), added).first;
    }
    s = it->second;
  }
  s.handled->Increment();
  s.handling->Observe(seconds);
  requests_served_.fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::SerializeText() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

std::string_view Metrics::GrpcCodeName(int grpc_code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  if (grpc_code < 0 || grpc_code >= static_cast<int>(kNames.size())) return "Unknown";
  return kNames[static_cast<size_t>(grpc_code)];
}

std::vector<double> Metrics::ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> buckets;
  buckets.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    buckets.push_back(start);
    start *= factor;
  }
  return buckets;
}

}  // namespace strata::api
