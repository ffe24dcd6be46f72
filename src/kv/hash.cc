// HashByRev: a checksum of the logical history, for comparing replicas.
#include "kv/crc32c.h"
#include "kv/history_key.h"
#include "kv/history_scan.h"
#include "kv/mvcc_store.h"
#include "kv/record.h"
#include "storage/keys.h"

namespace strata::kv {
namespace {

uint32_t ExtendWithLength(uint32_t crc, std::string_view bytes) {
  char length[4];
  uint32_t n = static_cast<uint32_t>(bytes.size());
  for (int i = 0; i < 4; ++i) length[i] = static_cast<char>(n >> (24 - 8 * i));
  crc = Crc32cExtend(crc, std::string_view(length, 4));
  return Crc32cExtend(crc, bytes);
}

}  // namespace

Result<HashResult> MvccStore::HashByRev(int64_t revision) const {
  Result<Snapshot> snap = TakeSnapshot();
  STRATA_RETURN_IF_ERROR(snap.status());
  Result<int64_t> hash_revision = ResolveReadRevision(revision, snap->current, snap->compacted);
  STRATA_RETURN_IF_ERROR(hash_revision.status());

  Result<HistoryCursor> cursor = HistoryCursor::Open(*snap->view, nullptr, "", "");
  STRATA_RETURN_IF_ERROR(cursor.status());
  uint32_t crc = 0;
  std::string key_prefix;
  bool seen_compacted = false;  // Met this key's newest version <= compacted.
  for (cursor->Seek(""); cursor->Valid(); cursor->Next()) {
    Result<ParsedHistoryKey> parsed = ParseHistoryKey(cursor->key());
    STRATA_RETURN_IF_ERROR(parsed.status());
    if (parsed->prefix != key_prefix) {
      key_prefix = std::string(parsed->prefix);
      seen_compacted = false;
    }
    const int64_t main = parsed->revision.main;
    if (main > *hash_revision) continue;
    if (main <= snap->compacted) {
      // Only the version compaction keeps counts, whether or not the
      // physical compaction has dropped the others yet.
      if (seen_compacted) continue;
      seen_compacted = true;
      Result<Record> record = DecodeRecord(cursor->value());
      STRATA_RETURN_IF_ERROR(record.status());
      if (record->tombstone) continue;
    }
    crc = ExtendWithLength(crc, cursor->key());
    crc = ExtendWithLength(crc, cursor->value());
  }
  STRATA_RETURN_IF_ERROR(cursor->status());
  return HashResult{crc, snap->current, snap->compacted, *hash_revision};
}

}  // namespace strata::kv
