// Events: the history of a key range as a stream of changes, for watchers
// that start in the past. Versions of a key are stored newest first, so the
// entry after a change in key order is the version it replaced (prev_kv).
#include <algorithm>
#include <cstdint>

#include "kv/errors.h"
#include "kv/history_cursor.h"
#include "kv/history_key.h"
#include "kv/history_scan.h"
#include "kv/mvcc_store.h"
#include "kv/record.h"

namespace strata::kv {

Result<EventsResult> MvccStore::Events(std::string_view key, std::string_view range_end,
                                       int64_t start_revision, int64_t end_revision) const {
  Result<Snapshot> snap = TakeSnapshot();
  STRATA_RETURN_IF_ERROR(snap.status());
  if (start_revision < snap->compacted) return CompactedError();
  const int64_t last = end_revision > 0 ? std::min(end_revision, snap->current) : snap->current;
  EventsResult result;
  result.revision = last;
  HistoryBounds bounds = BoundsForRange(key, range_end);
  if (bounds.empty || start_revision > last) return result;

  Result<HistoryCursor> cursor =
      HistoryCursor::Open(*snap->view, nullptr, std::move(bounds.lower), std::move(bounds.upper));
  STRATA_RETURN_IF_ERROR(cursor.status());
  std::vector<std::pair<Revision, Event>> found;
  std::string key_prefix;
  std::string user_key;
  // Index in `found` of this key's change still waiting for its prev_kv.
  // (A sentinel rather than std::optional: GCC 12 warns falsely on the latter.)
  constexpr size_t kNone = SIZE_MAX;
  size_t awaiting_prev = kNone;
  cursor->Seek("");
  while (cursor->Valid()) {
    Result<ParsedHistoryKey> parsed = ParseHistoryKey(cursor->key());
    STRATA_RETURN_IF_ERROR(parsed.status());
    if (parsed->prefix != key_prefix) {
      key_prefix = std::string(parsed->prefix);
      Result<std::string> decoded = DecodeUserKey(key_prefix);
      STRATA_RETURN_IF_ERROR(decoded.status());
      user_key = std::move(decoded).value();
      awaiting_prev = kNone;
    }
    const Revision rev = parsed->revision;
    if (rev.main > last) {  // Past the window (or committed after the snapshot).
      cursor->Next();
      continue;
    }
    Result<Record> record = DecodeRecord(cursor->value());
    STRATA_RETURN_IF_ERROR(record.status());
    std::optional<KeyValue> kv;
    if (!record->tombstone) {
      Result<KeyValue> made =
          MakeKeyValue(VisibleVersion{key_prefix, rev, *record}, /*with_value=*/true);
      STRATA_RETURN_IF_ERROR(made.status());
      kv = std::move(made).value();
    }
    if (awaiting_prev != kNone) {
      found[awaiting_prev].second.prev_kv = kv;
      awaiting_prev = kNone;
    }
    if (rev.main < start_revision) {
      // Older than the start: it only served as a prev_kv. Skip the rest.
      cursor->Seek(VersionsEnd(key_prefix));
      continue;
    }
    Event event;
    if (kv.has_value()) {
      event.type = Event::Type::kPut;
      event.kv = std::move(*kv);
    } else {
      event.type = Event::Type::kDelete;
      event.kv.key = user_key;
      event.kv.mod_revision = rev.main;
    }
    found.emplace_back(rev, std::move(event));
    awaiting_prev = found.size() - 1;
    cursor->Next();
  }
  STRATA_RETURN_IF_ERROR(cursor->status());
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  result.events.reserve(found.size());
  for (auto& [rev, event] : found) result.events.push_back(std::move(event));
  return result;
}

}  // namespace strata::kv
