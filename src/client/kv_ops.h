// The operations behind Client's methods, as functions of the Core so that
// Transaction, Timelines and the async forms share them.
//
// Thread-safety: thread-safe (as Core).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/core.h"
#include "strata/client.h"

namespace strata::client::internal {

Result<KeyValue> Get(Core& core, std::string_view key, const ReadOptions& options);
Result<WriteResult> Put(Core& core, std::string_view key, std::string_view value,
                        const WriteOptions& options);
Result<RemoveResult> Remove(Core& core, std::string_view key, const WriteOptions& options);
Result<WriteResult> PutIfVersion(Core& core, std::string_view key, std::string_view value,
                                 int64_t expected_version, const WriteOptions& options);
Result<ScanPage> RangeScan(Core& core, std::string_view start, std::string_view end, int64_t limit,
                           const ReadOptions& options);
Result<MultiGetResult> MultiGet(Core& core, const std::vector<std::string>& keys,
                                const ReadOptions& options);
Result<std::vector<Result<WriteResult>>> MultiPut(Core& core, const std::vector<PutEntry>& entries,
                                                  bool atomic, const WriteOptions& options);
Result<std::vector<MultiLevelEntry>> ScanPrimary(Core& core, std::string_view primary,
                                                 int64_t limit, const ReadOptions& options);
Result<std::vector<Member>> Members(Core& core, const CallOptions& options);
Result<ClusterStatus> Status(Core& core, const CallOptions& options);

// A Range request for [key, range_end) read as `options` says.
etcdserverpb::RangeRequest MakeRange(const std::string& key, const std::string& range_end,
                                     int64_t limit, const ReadOptions& options);

}  // namespace strata::client::internal
