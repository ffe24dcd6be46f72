#include "report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "duration.h"

namespace strata::bench {

namespace {

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

double Rate(uint64_t n, double seconds) { return seconds > 0 ? n / seconds : 0; }

std::string KeyDistName(const Options& o) {
  return o.key_dist == KeyDist::kZipfian ? fmt::format("zipfian(theta={})", o.zipf_theta)
                                         : "uniform";
}

nlohmann::ordered_json LatencyJson(const Histogram& h) {
  nlohmann::ordered_json j;
  j["p50_ms"] = Ms(h.Percentile(0.50));
  j["p90_ms"] = Ms(h.Percentile(0.90));
  j["p99_ms"] = Ms(h.Percentile(0.99));
  j["p999_ms"] = Ms(h.Percentile(0.999));
  j["max_ms"] = Ms(h.max_ns());
  j["mean_ms"] = h.mean_ns() / 1e6;
  return j;
}

}  // namespace

std::string JsonReport(const Options& o, const std::optional<RunResult>& load,
                       const std::optional<RunResult>& run) {
  nlohmann::ordered_json j;
  j["workload"] = WorkloadName(o.workload);
  if (run) {
    j["ops"] = run->ops;
    j["errors"] = run->errors;
    j["compare_failures"] = run->compare_failures;
    j["elapsed_s"] = run->elapsed_s;
    j["throughput"] = Rate(run->ops, run->elapsed_s);
    j.update(LatencyJson(run->latency));
    j["errors_by_code"] = run->errors_by_code;
    if (!run->first_error.empty()) j["first_error"] = run->first_error;
  }
  std::string endpoints;
  for (const std::string& e : o.endpoints) endpoints += (endpoints.empty() ? "" : ",") + e;
  j["parameters"] = {{"endpoints", endpoints},
                     {"clients", o.clients},
                     {"connections", o.connections},
                     {"threads", o.threads},
                     {"duration_s", o.total > 0 ? 0.0 : o.duration.count() / 1e9},
                     {"total", o.total},
                     {"warmup_s", o.warmup.count() / 1e9},
                     {"rate", o.rate},
                     {"key_space", o.key_space},
                     {"key_dist", o.key_dist == KeyDist::kZipfian ? "zipfian" : "uniform"},
                     {"zipf_theta", o.zipf_theta},
                     {"key_size", o.key_size},
                     {"key_prefix", o.key_prefix},
                     {"value_size", o.value_size},
                     {"read_ratio", o.read_ratio},
                     {"serializable", o.serializable},
                     {"range_keys", o.range_keys},
                     {"tls", o.tls}};
  if (load) {
    j["load"] = {
        {"keys", load->keys_loaded},  {"requested", o.load},
        {"errors", load->errors},     {"first_error", load->first_error},
        {"seconds", load->elapsed_s}, {"keys_per_s", Rate(load->keys_loaded, load->elapsed_s)}};
  }
  return j.dump() + "\n";
}

std::string TableReport(const Options& o, const std::optional<RunResult>& load,
                        const std::optional<RunResult>& run) {
  std::string out;
  auto row = [&out](std::string_view name, const std::string& value) {
    out += fmt::format("{:<14}{}\n", name, value);
  };
  if (load) {
    row("load", fmt::format("{} of {} keys in {:.1f} s ({:.0f} keys/s), {} failed batches",
                            load->keys_loaded, o.load, load->elapsed_s,
                            Rate(load->keys_loaded, load->elapsed_s), load->errors));
  }
  if (!run) return out;
  std::string what = WorkloadName(o.workload);
  if (o.workload == Workload::kMixed) what += fmt::format(" (read ratio {})", o.read_ratio);
  if (o.workload == Workload::kRange) what += fmt::format(" ({} keys per scan)", o.range_keys);
  if (o.workload != Workload::kPut && o.workload != Workload::kTxnCas) {
    what += o.serializable ? ", serializable" : ", linearizable";
  }
  row("workload", what);
  row("clients", fmt::format("{} over {} connection(s) to {} endpoint(s), {} thread(s){}",
                             o.clients, o.connections, o.endpoints.size(), o.threads,
                             o.rate > 0 ? fmt::format(", target {} ops/s", o.rate) : ""));
  row("keys", fmt::format("{} {}, key {} B, value {} B", o.key_space, KeyDistName(o),
                          o.key_size + o.key_prefix.size(), o.value_size));
  row("measured",
      fmt::format("{:.2f} s after {} warmup", run->elapsed_s, FormatDuration(o.warmup)));
  row("ops", fmt::format("{} ({:.1f} ops/s)", run->ops, Rate(run->ops, run->elapsed_s)));
  if (o.workload == Workload::kTxnCas) {
    row("cas failed", fmt::format("{} (version moved on; counted in ops)", run->compare_failures));
  }
  std::string errors = std::to_string(run->errors);
  for (const auto& [code, n] : run->errors_by_code) errors += fmt::format(" {}={}", code, n);
  if (!run->first_error.empty()) errors += " first: " + run->first_error;
  row("errors", errors);
  const Histogram& h = run->latency;
  row("latency ms",
      fmt::format("p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f}  "
                  "mean {:.3f}",
                  Ms(h.Percentile(0.5)), Ms(h.Percentile(0.9)), Ms(h.Percentile(0.99)),
                  Ms(h.Percentile(0.999)), Ms(h.max_ns()), h.mean_ns() / 1e6));
  return out;
}

}  // namespace strata::bench
