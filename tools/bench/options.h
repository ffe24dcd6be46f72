// strata-bench's command line: `strata-bench WORKLOAD [flags]`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "keys.h"

namespace strata::bench {

enum class Workload { kPut, kGet, kMixed, kTxnCas, kRange };

// "put", "get", "mixed", "txn-cas", "range".
std::string WorkloadName(Workload w);

struct Options {
  Workload workload = Workload::kPut;
  // host:port; an http:// or https:// prefix is dropped (https turns TLS on).
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  int clients = 1;      // Concurrent outstanding requests.
  int connections = 1;  // gRPC channels, each its own TCP connection.
  int threads = 1;      // Completion-queue threads driving the clients.
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  uint64_t total = 0;  // When > 0: run this many requests instead of a duration.
  std::chrono::nanoseconds warmup{0};
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);  // Per request.
  uint64_t key_space = 100000;
  KeyDist key_dist = KeyDist::kUniform;
  double zipf_theta = 0.99;
  int key_size = 8;
  std::string key_prefix;
  size_t value_size = 256;
  double rate = 0;  // Target ops/s (open loop); 0 = as fast as the clients go.
  double read_ratio = 0.9;
  bool serializable = false;
  uint64_t range_keys = 100;
  uint64_t load = 0;  // Keys [0, load) written before the run.
  int load_batch = 128;
  int load_clients = 16;
  std::chrono::nanoseconds load_timeout{0};  // 0 = no limit.
  bool json = false;
  bool tls = false;
  std::string cacert, cert, key;
};

struct ParsedArgs {
  Options options;
  bool help = false;  // --help: print help_text and exit 0.
  std::string help_text;
};

// Parses and validates argv; errors are InvalidArgument with a message
// naming the flag (help_text is still filled for the caller to print).
Result<ParsedArgs> ParseArgs(int argc, const char* const* argv);

}  // namespace strata::bench
