// The chaos workload: client threads that send single-key etcd requests
// (linearizable get, put, compare-and-set on version or value, delete) to
// random live members and record every one in a history for strata-check.
//
// Register keys: `keys` at a time, all clients on the same ones; after
// `ops_per_key` operations per key the workload moves to fresh keys, so
// every key starts absent and the checker's search stays small. Every put
// writes a value no other put writes ("p<process>-<n>").
//
// Log keys: a share of the puts go to keys written once ("<prefix>log/...").
// Those acknowledged are the writes the final check looks for on every
// member (acked_log_keys): one missing is a lost write.
//
// Thread-safety: Start/Stop from one thread; the counters are safe from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "tools/check/history_writer.h"

namespace strata::chaos {

struct WorkloadOptions {
  // Client threads (history processes 1..clients). Default: 6.
  int clients = 6;
  // Register keys in use at a time. Default: 8.
  int keys = 8;
  // Operations per key before moving to fresh keys. Default: 250.
  int64_t ops_per_key = 250;
  // Deadline of every request. Default: 2 s.
  std::chrono::milliseconds timeout{2000};
  // Mostly writes (crash scenarios) instead of a read/write mix. Default: false.
  bool write_heavy = false;
  // Seeds each client's choices (the timing is never replayable). Default: 1.
  uint64_t seed = 1;
  // Every key starts with it. Default: "chaos/".
  std::string prefix = "chaos/";
};

class Workload {
 public:
  // The client endpoints ("127.0.0.1:port") of the members to use now.
  using Endpoints = std::function<std::vector<std::string>()>;

  // `history` (not owned) outlives the workload.
  Workload(WorkloadOptions options, check::HistoryWriter* history, Endpoints endpoints);
  ~Workload();  // Stops.
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  void Start();
  // Stops the clients and waits for them (each ends its request in flight).
  void Stop();

  // Requests that ended ok, fail and info so far.
  int64_t ok() const { return ok_.load(); }
  int64_t failed() const { return failed_.load(); }
  int64_t info() const { return info_.load(); }
  int64_t ops() const { return ok() + failed() + info(); }
  // Writes acknowledged so far (puts, deletes, cas that succeeded).
  int64_t acked_writes() const { return acked_writes_.load(); }
  // The first error writing the history (the run is then worthless).
  Status status() const;

  // REQUIRES: stopped. Every log key whose put was acknowledged.
  std::vector<std::string> acked_log_keys() const;
  // REQUIRES: stopped. Every register key used, sorted.
  std::vector<std::string> register_keys() const;
  std::string register_prefix() const { return options_.prefix + "r/"; }
  std::string log_prefix() const { return options_.prefix + "log/"; }

 private:
  void RunClient(int process);
  std::string RegisterKey(uint64_t draw);
  void Note(const Status& s);

  const WorkloadOptions options_;
  check::HistoryWriter* const history_;
  const Endpoints endpoints_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> ok_{0}, failed_{0}, info_{0}, acked_writes_{0};
  std::atomic<int64_t> register_ops_{0};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  Status status_;                        // Guarded by mu_.
  std::set<std::string> register_keys_;  // Guarded by mu_.
  std::vector<std::string> acked_log_;   // Guarded by mu_.
};

}  // namespace strata::chaos
