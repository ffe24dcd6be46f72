#include "ops.h"

namespace strata::bench {

namespace {
// Distinct value offsets: 1 MiB keeps two values in one 4 KiB block of a
// store from sharing bytes, which block compression would exploit.
constexpr size_t kPoolWindows = 1 << 20;
}  // namespace

void Call::Start(grpc::CompletionQueue* cq, std::chrono::nanoseconds timeout) {
  ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
  in_flight = true;
  switch (kind) {
    case OpKind::kPut:
      put_reader = kv->AsyncPut(ctx.get(), put, cq);
      put_reader->Finish(&put_resp, &status, &rpc_tag);
      break;
    case OpKind::kRange:
      range_reader = kv->AsyncRange(ctx.get(), range, cq);
      range_reader->Finish(&range_resp, &status, &rpc_tag);
      break;
    case OpKind::kTxn:
      txn_reader = kv->AsyncTxn(ctx.get(), txn, cq);
      txn_reader->Finish(&txn_resp, &status, &rpc_tag);
      break;
  }
}

OpMaker::OpMaker(const Options& options, const KeyChooser& chooser, uint64_t seed)
    : options_(options), chooser_(chooser), rng_(seed) {
  pool_ = RandomBytes(options.value_size + kPoolWindows, rng_);
}

std::string_view OpMaker::Value() {
  return std::string_view(pool_).substr(rng_() % kPoolWindows, options_.value_size);
}

std::string OpMaker::Key(uint64_t index) const {
  return options_.key_prefix + FormatKey(index, options_.key_size);
}

void OpMaker::Prepare(Call& c) {
  uint64_t key = chooser_.Next(rng_);
  c.key = key;
  c.batch_keys = 0;
  switch (options_.workload) {
    case Workload::kPut:
      return PreparePut(c, key);
    case Workload::kGet:
      return PrepareGet(c, key);
    case Workload::kMixed: {
      double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
      return u < options_.read_ratio ? PrepareGet(c, key) : PreparePut(c, key);
    }
    case Workload::kTxnCas:
      return PrepareCas(c, key);
    case Workload::kRange:
      return PrepareScan(c, key);
  }
}

void OpMaker::PreparePut(Call& c, uint64_t key) {
  c.kind = OpKind::kPut;
  c.put.set_key(Key(key));
  std::string_view v = Value();
  c.put.mutable_value()->assign(v.data(), v.size());
}

void OpMaker::PrepareGet(Call& c, uint64_t key) {
  c.kind = OpKind::kRange;
  c.range.set_key(Key(key));
  c.range.clear_range_end();
  c.range.set_serializable(options_.serializable);
}

void OpMaker::PrepareScan(Call& c, uint64_t first) {
  c.kind = OpKind::kRange;
  c.range.set_key(Key(first));
  c.range.set_range_end(Key(first + options_.range_keys));
  c.range.set_serializable(options_.serializable);
}

void OpMaker::PrepareCas(Call& c, uint64_t key) {
  c.kind = OpKind::kTxn;
  auto it = versions_.find(key);
  c.expected_version = it == versions_.end() ? 0 : it->second;
  std::string k = Key(key);
  c.txn.Clear();
  etcdserverpb::Compare* cmp = c.txn.add_compare();
  cmp->set_result(etcdserverpb::Compare::EQUAL);
  cmp->set_target(etcdserverpb::Compare::VERSION);
  cmp->set_key(k);
  cmp->set_version(c.expected_version);
  etcdserverpb::PutRequest* put = c.txn.add_success()->mutable_request_put();
  put->set_key(k);
  put->set_value(std::string(Value()));
  // On a lost race, read the key so that the next attempt compares with its
  // current version (etcd's STM does the same).
  c.txn.add_failure()->mutable_request_range()->set_key(k);
}

void OpMaker::PrepareLoad(Call& c, uint64_t first, uint64_t count) {
  c.kind = OpKind::kTxn;
  c.batch_keys = count;
  c.txn.Clear();
  for (uint64_t i = first; i < first + count; ++i) {
    etcdserverpb::PutRequest* put = c.txn.add_success()->mutable_request_put();
    put->set_key(Key(i));
    put->set_value(std::string(Value()));
  }
}

Outcome OpMaker::Interpret(const Call& c) {
  if (c.kind != OpKind::kTxn || options_.workload != Workload::kTxnCas || c.batch_keys > 0) {
    return Outcome::kOk;
  }
  if (c.txn_resp.succeeded()) {
    versions_[c.key] = c.expected_version + 1;
    return Outcome::kOk;
  }
  int64_t seen = 0;
  if (c.txn_resp.responses_size() > 0) {
    const etcdserverpb::RangeResponse& r = c.txn_resp.responses(0).response_range();
    if (r.kvs_size() > 0) seen = r.kvs(0).version();
  }
  versions_[c.key] = seen;
  return Outcome::kCompareFailed;
}

}  // namespace strata::bench
