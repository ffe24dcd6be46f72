// Reading the history at a revision: which version of each key is visible,
// and the revision checks every read makes. Internal to the kv layer.
// Thread-safety: functions of their arguments only.
#pragma once

#include <functional>
#include <string_view>

#include "base/status.h"
#include "kv/history_cursor.h"
#include "kv/record.h"
#include "kv/types.h"

namespace strata::kv {

// The version of one key that a read at some revision sees.
struct VisibleVersion {
  std::string_view prefix;  // VersionsStart(user key).
  Revision revision;        // Its mod revision.
  Record record;            // Never a tombstone.
};

// Calls visit, in key order, with the newest version at or below
// at_revision of each key in the cursor's bounds, skipping keys whose
// newest such version is a tombstone (deleted at that revision) or that
// have none. Stops early when visit returns false. The views passed to
// visit are valid only during the call. Errors: engine errors, kCorruption.
Status ScanVisible(HistoryCursor& cursor, int64_t at_revision,
                   const std::function<bool(const VisibleVersion&)>& visit);

// The revision a read of `requested` runs at, with etcd's rules: <= 0 means
// current; above current is FutureRevisionError(); below compacted is
// CompactedError() (compacted itself is still readable).
Result<int64_t> ResolveReadRevision(int64_t requested, int64_t current, int64_t compacted);

// The KeyValue of a visible version. Errors: kCorruption (bad key bytes).
Result<KeyValue> MakeKeyValue(const VisibleVersion& version, bool with_value);

// A Range read (see MvccStore::Range) over reader plus pending entries.
Result<RangeResult> ReadRange(const storage::Reader& reader, const PendingHistory* pending,
                              std::string_view key, std::string_view range_end,
                              const RangeOptions& options, int64_t current, int64_t compacted);

}  // namespace strata::kv
