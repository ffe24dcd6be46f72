// The only file that includes CLI11 (slow to compile).
#include "options.h"

#include <CLI/CLI.hpp>
#include <map>

#include "duration.h"

namespace strata::bench {

namespace {

const std::map<std::string, Workload> kWorkloads = {{"put", Workload::kPut},
                                                    {"get", Workload::kGet},
                                                    {"mixed", Workload::kMixed},
                                                    {"txn-cas", Workload::kTxnCas},
                                                    {"range", Workload::kRange}};

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Status Invalid(const std::string& flag, const std::string& why) {
  return Status::InvalidArgument(flag + ": " + why);
}

// Strips a scheme; https:// asks for TLS.
Status NormalizeEndpoints(const std::string& text, Options* o) {
  o->endpoints.clear();
  for (std::string ep : SplitCommas(text)) {
    for (std::string_view scheme : {"http://", "https://"}) {
      if (ep.starts_with(scheme)) {
        o->tls = o->tls || scheme == "https://";
        ep = ep.substr(scheme.size());
      }
    }
    if (ep.find(':') == std::string::npos) return Invalid("--endpoints", ep + " has no port");
    o->endpoints.push_back(ep);
  }
  if (o->endpoints.empty()) return Invalid("--endpoints", "no endpoint given");
  return Status::Ok();
}

Status ParseDurationFlag(const std::string& flag, const std::string& text,
                         std::chrono::nanoseconds* out) {
  Result<std::chrono::nanoseconds> d = ParseDuration(text);
  if (!d.ok()) return Invalid(flag, d.status().message());
  *out = *d;
  return Status::Ok();
}

Status Validate(const CLI::App& app, Options* o) {
  if (app.count("--key-space") == 0 && o->load > 0) o->key_space = o->load;
  if (o->clients < 1) return Invalid("--clients", "must be at least 1");
  if (o->connections < 1) return Invalid("--connections", "must be at least 1");
  if (o->threads < 1) return Invalid("--threads", "must be at least 1");
  if (o->load_clients < 1) return Invalid("--load-clients", "must be at least 1");
  if (o->load_batch < 1) return Invalid("--load-batch", "must be at least 1");
  if (o->key_space < 1) return Invalid("--key-space", "must be at least 1");
  uint64_t largest = std::max(o->key_space, o->load);
  if (o->workload == Workload::kRange) largest = std::max(largest, o->key_space + 1);
  if (o->key_size < KeyDigits(largest)) {
    return Invalid("--key-size", std::to_string(o->key_size) + " cannot hold " +
                                     std::to_string(KeyDigits(largest)) + "-digit keys");
  }
  if (o->zipf_theta <= 0 || o->zipf_theta >= 1) return Invalid("--zipf-theta", "must be in (0, 1)");
  if (o->read_ratio < 0 || o->read_ratio > 1) return Invalid("--read-ratio", "must be in [0, 1]");
  if (o->rate < 0) return Invalid("--rate", "must not be negative");
  if (o->workload == Workload::kRange && (o->range_keys < 1 || o->range_keys > o->key_space)) {
    return Invalid("--range-keys", "must be in [1, --key-space]");
  }
  if (o->duration.count() == 0 && o->total == 0 && o->load == 0) {
    return Invalid("--duration", "0 needs --load (load only) or --total");
  }
  if (o->timeout.count() <= 0) return Invalid("--timeout", "must be positive");
  if (o->cert.empty() != o->key.empty()) return Invalid("--cert", "--cert and --key go together");
  o->tls = o->tls || !o->cacert.empty() || !o->cert.empty();
  return Status::Ok();
}

}  // namespace

std::string WorkloadName(Workload w) {
  for (const auto& [name, value] : kWorkloads) {
    if (value == w) return name;
  }
  return "?";
}

Result<ParsedArgs> ParseArgs(int argc, const char* const* argv) {
  ParsedArgs parsed;
  Options& o = parsed.options;
  std::string workload = "put", endpoints = "127.0.0.1:2379", key_dist = "uniform";
  std::string duration = "10s", warmup = "0", timeout = "10s", load_timeout = "0";

  CLI::App app{"strata-bench: a load generator for the etcd v3 KV API (Strata and etcd).",
               "strata-bench"};
  app.add_option("workload", workload, "put | get | mixed | txn-cas | range")
      ->check(CLI::IsMember({"put", "get", "mixed", "txn-cas", "range"}));
  app.add_option("--endpoints", endpoints, "host:port,... (clients spread over them)");
  app.add_option("--clients", o.clients, "Concurrent outstanding requests")->capture_default_str();
  app.add_option("--connections", o.connections,
                 "gRPC connections; connection i goes to "
                 "endpoint i mod #endpoints")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Threads driving the clients")->capture_default_str();
  app.add_option("--duration", duration,
                 "Measured time (10s, 500ms, 2m); 0 with --load: "
                 "load only")
      ->capture_default_str();
  app.add_option("--total", o.total, "Run this many requests instead of --duration");
  app.add_option("--warmup", warmup, "Time run first and left out of the results")
      ->capture_default_str();
  app.add_option("--timeout", timeout, "Deadline of each request")->capture_default_str();
  app.add_option("--key-space", o.key_space,
                 "Number of distinct keys (default: --load if "
                 "given, else 100000)");
  app.add_option("--key-dist", key_dist, "uniform | zipfian")
      ->check(CLI::IsMember({"uniform", "zipfian"}))
      ->capture_default_str();
  app.add_option("--zipf-theta", o.zipf_theta, "Zipfian skew")->capture_default_str();
  app.add_option("--key-size", o.key_size, "Key length (zero-padded index)")->capture_default_str();
  app.add_option("--key-prefix", o.key_prefix, "Prepended to every key");
  app.add_option("--value-size", o.value_size, "Value length in bytes")->capture_default_str();
  app.add_option("--rate", o.rate, "Target ops/s, open loop (0: unlimited)")->capture_default_str();
  app.add_option("--read-ratio", o.read_ratio, "Share of gets in mixed")->capture_default_str();
  app.add_flag("--serializable", o.serializable, "Serializable instead of linearizable reads");
  app.add_option("--range-keys", o.range_keys, "Keys per scan (range)")->capture_default_str();
  app.add_option("--load", o.load, "Write keys [0, N) before the run");
  app.add_option("--load-batch", o.load_batch, "Puts per Txn while loading")->capture_default_str();
  app.add_option("--load-clients", o.load_clients, "Concurrent Txns while loading")
      ->capture_default_str();
  app.add_option("--load-timeout", load_timeout, "Stop loading after this long (0: no limit)")
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print one JSON object instead of a table");
  app.add_option("--cacert", o.cacert, "CA bundle to verify the servers (turns TLS on)");
  app.add_option("--cert", o.cert, "Client certificate (PEM)");
  app.add_option("--key", o.key, "Client private key (PEM)");

  parsed.help_text = app.help();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    parsed.help = true;
    return parsed;
  } catch (const CLI::ParseError& e) {
    return Status::InvalidArgument(e.what());
  }
  o.workload = kWorkloads.at(workload);
  o.key_dist = key_dist == "zipfian" ? KeyDist::kZipfian : KeyDist::kUniform;
  STRATA_RETURN_IF_ERROR(NormalizeEndpoints(endpoints, &o));
  STRATA_RETURN_IF_ERROR(ParseDurationFlag("--duration", duration, &o.duration));
  STRATA_RETURN_IF_ERROR(ParseDurationFlag("--warmup", warmup, &o.warmup));
  STRATA_RETURN_IF_ERROR(ParseDurationFlag("--timeout", timeout, &o.timeout));
  STRATA_RETURN_IF_ERROR(ParseDurationFlag("--load-timeout", load_timeout, &o.load_timeout));
  STRATA_RETURN_IF_ERROR(Validate(app, &o));
  return parsed;
}

}  // namespace strata::bench
