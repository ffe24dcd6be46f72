#include "kv/history_scan.h"

#include "kv/errors.h"
#include "kv/history_key.h"

namespace strata::kv {

Status ScanVisible(HistoryCursor& cursor, int64_t at_revision,
                   const std::function<bool(const VisibleVersion&)>& visit) {
  cursor.Seek("");
  while (cursor.Valid()) {
    Result<ParsedHistoryKey> parsed = ParseHistoryKey(cursor.key());
    STRATA_RETURN_IF_ERROR(parsed.status());
    if (parsed->revision.main > at_revision) {
      // Skip the versions newer than the read; one seek, however many.
      std::string prefix(parsed->prefix);
      cursor.Seek(SeekAtOrBelow(prefix, at_revision));
      if (!cursor.Valid()) break;
      parsed = ParseHistoryKey(cursor.key());
      STRATA_RETURN_IF_ERROR(parsed.status());
      if (parsed->prefix != prefix) continue;  // No version old enough: absent.
    }
    Result<Record> record = DecodeRecord(cursor.value());
    STRATA_RETURN_IF_ERROR(record.status());
    std::string prefix(parsed->prefix);
    if (!record->tombstone) {
      if (!visit(VisibleVersion{prefix, parsed->revision, *record})) return Status::Ok();
    }
    // Move to the next key: usually it is the next entry; else seek past
    // this key's older versions.
    cursor.Next();
    if (cursor.Valid() && cursor.key().starts_with(prefix) &&
        cursor.key().size() == prefix.size() + kRevisionSuffixSize) {
      cursor.Seek(VersionsEnd(prefix));
    }
  }
  return cursor.status();
}

Result<int64_t> ResolveReadRevision(int64_t requested, int64_t current, int64_t compacted) {
  if (requested > current) return FutureRevisionError();
  int64_t revision = requested <= 0 ? current : requested;
  if (revision < compacted) return CompactedError();
  return revision;
}

Result<KeyValue> MakeKeyValue(const VisibleVersion& version, bool with_value) {
  Result<std::string> key = DecodeUserKey(version.prefix);
  STRATA_RETURN_IF_ERROR(key.status());
  KeyValue kv;
  kv.key = std::move(key).value();
  kv.create_revision = version.record.create_revision;
  kv.mod_revision = version.revision.main;
  kv.version = version.record.version;
  if (with_value) kv.value = std::string(version.record.value);
  kv.lease = version.record.lease;
  return kv;
}

Result<RangeResult> ReadRange(const storage::Reader& reader, const PendingHistory* pending,
                              std::string_view key, std::string_view range_end,
                              const RangeOptions& options, int64_t current, int64_t compacted) {
  Result<int64_t> revision = ResolveReadRevision(options.revision, current, compacted);
  STRATA_RETURN_IF_ERROR(revision.status());
  RangeResult result;
  result.revision = current;
  HistoryBounds bounds = BoundsForRange(key, range_end);
  if (bounds.empty) return result;

  Result<HistoryCursor> cursor =
      HistoryCursor::Open(reader, pending, std::move(bounds.lower), std::move(bounds.upper));
  STRATA_RETURN_IF_ERROR(cursor.status());
  const bool collect = !options.count_only;
  const int64_t limit = options.limit > 0 ? options.limit : INT64_MAX;
  Status error;
  Status scanned = ScanVisible(*cursor, *revision, [&](const VisibleVersion& version) {
    ++result.count;
    if (collect && static_cast<int64_t>(result.kvs.size()) < limit) {
      Result<KeyValue> kv = MakeKeyValue(version, !options.keys_only);
      if (!kv.ok()) {
        error = kv.status();
        return false;
      }
      result.kvs.push_back(std::move(kv).value());
    }
    return true;
  });
  STRATA_RETURN_IF_ERROR(scanned);
  STRATA_RETURN_IF_ERROR(error);
  return result;
}

}  // namespace strata::kv
