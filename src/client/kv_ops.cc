#include "client/kv_ops.h"

#include "client/convert.h"
#include "client/paging.h"
#include "client/text.h"

namespace strata::client::internal {

etcdserverpb::RangeRequest MakeRange(const std::string& key, const std::string& range_end,
                                     int64_t limit, const ReadOptions& options) {
  etcdserverpb::RangeRequest r;
  r.set_key(key);
  r.set_range_end(range_end);
  r.set_limit(limit);
  r.set_revision(options.revision);
  r.set_serializable(options.consistency == Consistency::kSerializable);
  return r;
}

Result<KeyValue> Get(Core& core, std::string_view key, const ReadOptions& options) {
  const std::string what = "get " + QuoteKey(key);
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  auto r = core.Range(MakeRange(std::string(key), "", 0, options), what,
                      core.DeadlineAfter(options.timeout));
  if (!r.ok()) return r.error();
  if (r->kvs().empty()) return Error(ErrorCode::kNotFound, what + ": key not found");
  return FromProto(r->kvs(0));
}

Result<WriteResult> Put(Core& core, std::string_view key, std::string_view value,
                        const WriteOptions& options) {
  const std::string what = "put " + QuoteKey(key);
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  etcdserverpb::PutRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_lease(options.lease);
  auto r = core.Put(request, what, core.DeadlineAfter(options.timeout),
                    options.retry_if_outcome_unknown);
  if (!r.ok()) return r.error();
  return WriteResult{r->header().revision()};
}

Result<RemoveResult> Remove(Core& core, std::string_view key, const WriteOptions& options) {
  const std::string what = "remove " + QuoteKey(key);
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(std::string(key));
  auto r = core.DeleteRange(request, what, core.DeadlineAfter(options.timeout),
                            options.retry_if_outcome_unknown);
  if (!r.ok()) return r.error();
  return RemoveResult{r->header().revision(), r->deleted()};
}

Result<WriteResult> PutIfVersion(Core& core, std::string_view key, std::string_view value,
                                 int64_t expected_version, const WriteOptions& options) {
  const std::string what = "put_if_version " + QuoteKey(key) + " (expected version " +
                           std::to_string(expected_version) + ")";
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  if (expected_version < 0) {
    return Error(ErrorCode::kInvalidArgument, what + ": a version is never negative");
  }
  const std::string k(key);
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = VersionIs(k, expected_version);
  *txn.add_success() = PutOp(k, std::string(value));
  txn.mutable_success(0)->mutable_request_put()->set_lease(options.lease);
  // On failure the same round trip brings the version that won.
  *txn.add_failure() = RangeOp(k);
  txn.mutable_failure(0)->mutable_request_range()->set_keys_only(true);
  auto r =
      core.Txn(txn, what, core.DeadlineAfter(options.timeout), options.retry_if_outcome_unknown);
  if (!r.ok()) return r.error();
  if (r->succeeded()) return WriteResult{r->header().revision()};
  const auto& kvs = r->responses(0).response_range().kvs();
  const int64_t current = kvs.empty() ? 0 : kvs[0].version();
  return Error::VersionMismatch(current,
                                what + ": the key's version is " + std::to_string(current));
}

Result<ScanPage> RangeScan(Core& core, std::string_view start, std::string_view end, int64_t limit,
                           const ReadOptions& options) {
  const std::string what = "range_scan [" + QuoteKey(start) + ", " + QuoteKey(end) + ")";
  if (limit < 0) return Error(ErrorCode::kInvalidArgument, what + ": negative limit");
  EtcdRange range = ToEtcdRange(start, end);
  auto r = core.Range(MakeRange(range.key, range.range_end, limit, options), what,
                      core.DeadlineAfter(options.timeout));
  if (!r.ok()) return r.error();
  // A read at an old revision reports the store's current one in its header.
  const int64_t revision = options.revision != 0 ? options.revision : r->header().revision();
  return MakePage(FromProto(r->kvs()), r->more(), revision);
}

}  // namespace strata::client::internal
