// The MVCC store's revisions as kept in column family meta:
//
//   KvMetaKey("current_revision")          -> 8-byte BE: latest committed main revision
//   KvMetaKey("compacted_revision")        -> 8-byte BE: reads below it fail
//   KvMetaKey("compact_finished_revision") -> 8-byte BE: history below it is dropped
//
// Absent keys mean an empty store: current 1, compacted 0, finished 0.
// Internal to the kv layer. Thread-safety: functions of their arguments.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "storage/engine.h"
#include "storage/write_batch.h"

namespace strata::kv {

struct StoredRevisions {
  int64_t current = 1;
  int64_t compacted = 0;
  int64_t compact_finished = 0;
};

// Errors: engine errors; kCorruption for malformed values or values that
// break 0 <= compact_finished <= compacted <= current, 1 <= current.
Result<StoredRevisions> LoadRevisions(const storage::Reader& reader);

void PutCurrentRevision(storage::WriteBatch* batch, int64_t revision);
void PutCompactedRevision(storage::WriteBatch* batch, int64_t revision);
void PutCompactFinishedRevision(storage::WriteBatch* batch, int64_t revision);

}  // namespace strata::kv
