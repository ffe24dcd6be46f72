// multi_get, multi_put and scan_primary: operations over many keys.
#include <algorithm>

#include "client/batching.h"
#include "client/convert.h"
#include "client/kv_ops.h"
#include "client/paging.h"
#include "client/text.h"

namespace strata::client::internal {

Result<MultiGetResult> MultiGet(Core& core, const std::vector<std::string>& keys,
                                const ReadOptions& options) {
  const std::string what = "multi_get of " + std::to_string(keys.size()) + " keys";
  MultiGetResult out;
  out.revision = options.revision;
  const Deadline deadline = core.DeadlineAfter(options.timeout);
  const size_t chunk = static_cast<size_t>(core.options().max_txn_ops);
  for (size_t begin = 0; begin < keys.size(); begin += chunk) {
    const size_t end = std::min(keys.size(), begin + chunk);
    etcdserverpb::TxnRequest txn;
    for (size_t i = begin; i < end; ++i) {
      if (keys[i].empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
      ReadOptions at = options;
      at.revision = out.revision;  // Every chunk after the first reads the first's snapshot.
      *txn.add_success()->mutable_request_range() = MakeRange(keys[i], "", 0, at);
    }
    auto r = core.Txn(txn, what, deadline, false);
    if (!r.ok()) return r.error();
    if (out.revision == 0) out.revision = r->header().revision();
    for (const auto& resp : r->responses()) {
      const auto& kvs = resp.response_range().kvs();
      out.values.push_back(kvs.empty() ? std::nullopt : std::optional(FromProto(kvs[0])));
    }
  }
  return out;
}

namespace {

Result<int64_t> PutBatch(Core& core, const std::vector<PutEntry>& entries,
                         const std::vector<size_t>& indexes, const std::string& what,
                         Deadline deadline, const WriteOptions& options) {
  etcdserverpb::TxnRequest txn;
  for (size_t i : indexes) *txn.add_success() = PutOp(entries[i].key, entries[i].value);
  auto r = core.Txn(txn, what, deadline, options.retry_if_outcome_unknown);
  if (!r.ok()) return r.error();
  return r->header().revision();
}

}  // namespace

Result<std::vector<Result<WriteResult>>> MultiPut(Core& core, const std::vector<PutEntry>& entries,
                                                  bool atomic, const WriteOptions& options) {
  const std::string what = std::string(atomic ? "atomic " : "") + "multi_put of " +
                           std::to_string(entries.size()) + " entries";
  std::vector<std::string> keys;
  for (const PutEntry& e : entries) {
    if (e.key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
    keys.push_back(e.key);
  }
  const int max_ops = core.options().max_txn_ops;
  const Deadline deadline = core.DeadlineAfter(options.timeout);
  std::vector<Result<WriteResult>> results;
  if (entries.empty()) return results;
  if (atomic) {
    if (entries.size() > static_cast<size_t>(max_ops)) {
      return Error(ErrorCode::kInvalidArgument,
                   what + ": more than max_txn_ops (" + std::to_string(max_ops) +
                       ") entries cannot be written atomically; split them or use atomic=false");
    }
    if (const std::string* dup = FirstDuplicate(keys)) {
      return Error(ErrorCode::kInvalidArgument,
                   what + ": key " + QuoteKey(*dup) + " appears twice in one atomic batch");
    }
    std::vector<size_t> all(entries.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    auto revision = PutBatch(core, entries, all, what, deadline, options);
    if (!revision.ok()) return revision.error();
    results.assign(entries.size(), WriteResult{*revision});
    return results;
  }
  results.assign(entries.size(), Error(ErrorCode::kInternal, "not attempted"));
  for (const std::vector<size_t>& batch : PlanBatches(keys, max_ops)) {
    auto revision = PutBatch(core, entries, batch, what, deadline, options);
    for (size_t i : batch) {
      results[i] = revision.ok() ? Result<WriteResult>(WriteResult{*revision})
                                 : Result<WriteResult>(revision.error());
    }
  }
  return results;
}

Result<std::vector<MultiLevelEntry>> ScanPrimary(Core& core, std::string_view primary,
                                                 int64_t limit, const ReadOptions& options) {
  const std::string what = "scan_primary " + QuoteKey(primary);
  if (limit < 0) return Error(ErrorCode::kInvalidArgument, what + ": negative limit");
  const KeyRange range = PrimaryRange(primary);
  constexpr int64_t kPage = 500;
  std::vector<MultiLevelEntry> out;
  ReadOptions at = options;
  std::string start = range.start;
  for (;;) {
    const int64_t want =
        limit == 0 ? kPage : std::min(kPage, limit - static_cast<int64_t>(out.size()));
    auto page = RangeScan(core, start, range.end, want, at);
    if (!page.ok()) return page.error();
    for (KeyValue& kv : page->kvs) {
      auto key = DecodeMultiLevelKey(kv.key);
      if (!key) return Error(ErrorCode::kInternal, what + ": undecodable key " + QuoteKey(kv.key));
      out.push_back(MultiLevelEntry{std::move(*key), std::move(kv)});
    }
    if (!page->more || (limit > 0 && static_cast<int64_t>(out.size()) >= limit)) return out;
    start = page->next_start;
    at.revision = page->revision;
  }
}

}  // namespace strata::client::internal
