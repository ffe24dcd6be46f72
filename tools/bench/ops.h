// The requests of each workload and what their answers mean. One Call is one
// client: a slot holding at most one outstanding request.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "keys.h"
#include "options.h"

namespace strata::bench {

using Clock = std::chrono::steady_clock;

enum class OpKind { kPut, kRange, kTxn };
enum class Outcome { kOk, kCompareFailed };

struct Call {
  // Completion-queue tags: an RPC finished, or a pacing alarm fired.
  struct Tag {
    Call* call;
    bool alarm;
  };

  explicit Call(etcdserverpb::KV::Stub* stub) : kv(stub) {}
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Starts the prepared request on cq; the rpc tag comes back when it ends.
  void Start(grpc::CompletionQueue* cq, std::chrono::nanoseconds timeout);

  Tag rpc_tag{this, false};
  Tag alarm_tag{this, true};
  etcdserverpb::KV::Stub* const kv;
  std::unique_ptr<grpc::ClientContext> ctx;
  grpc::Alarm alarm;
  bool in_flight = false;

  OpKind kind = OpKind::kPut;
  etcdserverpb::PutRequest put;
  etcdserverpb::PutResponse put_resp;
  etcdserverpb::RangeRequest range;
  etcdserverpb::RangeResponse range_resp;
  etcdserverpb::TxnRequest txn;
  etcdserverpb::TxnResponse txn_resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::PutResponse>> put_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::RangeResponse>> range_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::TxnResponse>> txn_reader;
  grpc::Status status;

  Clock::time_point start;  // When the request was due (open loop) or sent.
  uint64_t key = 0;
  int64_t expected_version = 0;
  uint64_t batch_keys = 0;  // Keys written by a load batch.
  int attempts = 0;
};

// Builds requests for one worker thread. Thread-safety: one thread.
class OpMaker {
 public:
  // chooser draws keys (for range: the first key of a scan); both must
  // outlive this.
  OpMaker(const Options& options, const KeyChooser& chooser, uint64_t seed);

  // Fills c with the workload's next request.
  void Prepare(Call& c);
  // Fills c with one Txn writing keys [first, first + count).
  void PrepareLoad(Call& c, uint64_t first, uint64_t count);
  // What an OK answer means; for txn-cas also learns the key's version.
  Outcome Interpret(const Call& c);

  std::string Key(uint64_t index) const;

 private:
  void PreparePut(Call& c, uint64_t key);
  // A value of --value-size bytes from pool_.
  std::string_view Value();
  void PrepareGet(Call& c, uint64_t key);
  void PrepareCas(Call& c, uint64_t key);
  void PrepareScan(Call& c, uint64_t first);

  const Options& options_;
  const KeyChooser& chooser_;
  std::mt19937_64 rng_;
  // Values are windows at random offsets of this pool, so that they differ
  // from each other and do not compress (see RandomBytes).
  std::string pool_;
  // txn-cas: the version this worker last saw per key; absent means 0 (no key).
  std::unordered_map<uint64_t, int64_t> versions_;
};

}  // namespace strata::bench
