#include "kv/revision_meta.h"

#include <string>

#include "storage/keys.h"

namespace strata::kv {
namespace {

constexpr std::string_view kCurrent = "current_revision";
constexpr std::string_view kCompacted = "compacted_revision";
constexpr std::string_view kCompactFinished = "compact_finished_revision";

void PutRevision(storage::WriteBatch* batch, std::string_view name, int64_t revision) {
  STRATA_ASSERT(revision >= 0);
  batch->Put(storage::ColumnFamily::kMeta, storage::KvMetaKey(name),
             storage::EncodeFixed64BigEndian(static_cast<uint64_t>(revision)));
}

// Reads one revision, or fallback when absent.
Result<int64_t> LoadRevision(const storage::Reader& reader, std::string_view name,
                             int64_t fallback) {
  auto value = reader.Get(storage::ColumnFamily::kMeta, storage::KvMetaKey(name));
  STRATA_RETURN_IF_ERROR(value.status());
  if (!value->has_value()) return fallback;
  if ((*value)->size() != 8) {
    return Status::Corruption("kv: meta " + std::string(name) + " is not 8 bytes");
  }
  uint64_t revision = storage::DecodeFixed64BigEndian(**value);
  if (revision > static_cast<uint64_t>(INT64_MAX)) {
    return Status::Corruption("kv: meta " + std::string(name) + " out of range");
  }
  return static_cast<int64_t>(revision);
}

}  // namespace

Result<StoredRevisions> LoadRevisions(const storage::Reader& reader) {
  StoredRevisions stored;
  Result<int64_t> current = LoadRevision(reader, kCurrent, stored.current);
  STRATA_RETURN_IF_ERROR(current.status());
  Result<int64_t> compacted = LoadRevision(reader, kCompacted, stored.compacted);
  STRATA_RETURN_IF_ERROR(compacted.status());
  Result<int64_t> finished = LoadRevision(reader, kCompactFinished, stored.compact_finished);
  STRATA_RETURN_IF_ERROR(finished.status());
  stored = StoredRevisions{*current, *compacted, *finished};
  if (stored.current < 1 || stored.compacted > stored.current ||
      stored.compact_finished > stored.compacted) {
    return Status::Corruption("kv: inconsistent revisions: current " +
                              std::to_string(stored.current) + ", compacted " +
                              std::to_string(stored.compacted) + ", compact finished " +
                              std::to_string(stored.compact_finished));
  }
  return stored;
}

void PutCurrentRevision(storage::WriteBatch* batch, int64_t revision) {
  PutRevision(batch, kCurrent, revision);
}
void PutCompactedRevision(storage::WriteBatch* batch, int64_t revision) {
  PutRevision(batch, kCompacted, revision);
}
void PutCompactFinishedRevision(storage::WriteBatch* batch, int64_t revision) {
  PutRevision(batch, kCompactFinished, revision);
}

}  // namespace strata::kv
