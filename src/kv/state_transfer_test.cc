// The kv state as a snapshot: whole images (ExportState / ImportState) and
// streams (StateReader, StateStager, InstallState): round trips, replacement
// of the old state in one step, rejection of corrupt snapshots, bounded
// memory, and an install that a crash interrupts.
#include <malloc.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "kv/history_key.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"
#include "kv/record.h"
#include "kv/state_format.h"
#include "kv/state_transfer.h"
#include "storage/keys.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::kv {
namespace {

using storage::ColumnFamily;

using Entries = std::vector<std::pair<std::string, std::string>>;

Entries Dump(const storage::Engine& engine, ColumnFamily cf) {
  auto it = engine.NewIterator(cf, {});
  STRATA_ASSERT(it.ok());
  Entries out;
  for ((*it)->SeekToFirst(); (*it)->Valid(); (*it)->Next()) {
    out.emplace_back(std::string((*it)->key()), std::string((*it)->value()));
  }
  return out;
}

// Column family meta restricted to the kv keys.
Entries KvMeta(const storage::Engine& engine) {
  Entries out;
  for (auto& [k, v] : Dump(engine, ColumnFamily::kMeta)) {
    if (k.starts_with(KvMetaPrefix())) out.emplace_back(k, v);
  }
  return out;
}

uint32_t HashOf(const MvccStore& store) {
  auto hash = store.Hash();
  STRATA_ASSERT_MSG(hash.ok(), hash.status().ToString());
  return hash->hash;
}

const std::string kNulKey("a\0b", 3);
const std::string kHighKey("\xff\xff", 2);

// Some history: overwrites, deletes, odd bytes in keys, a compaction.
void FillSource(MvccStore& store) {
  for (int i = 0; i < 20; ++i) {
    PutOne(store, "key" + std::to_string(i % 6), "v" + std::to_string(i), i % 2);
    if (i % 7 == 6) DeleteOne(store, "key" + std::to_string(i % 3));
  }
  PutOne(store, kNulKey, "nul");
  PutOne(store, kHighKey, "high");
  ASSERT_TRUE(store.Compact(8).ok());
  PutOne(store, "after", "compaction");
}

storage::WriteBatch AppliedIndexWrite(uint64_t index) {
  storage::WriteBatch batch;
  batch.Put(ColumnFamily::kMeta, storage::AppliedIndexKey(1),
            storage::EncodeFixed64BigEndian(index));
  return batch;
}

TEST(StateTransferTest, RoundTripIntoAnEmptyStore) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  FillSource(*a);
  auto data = a->ExportState();
  ASSERT_TRUE(data.ok());

  auto b = OpenStore(&engine_b);
  ASSERT_TRUE(b->ImportState(*data, AppliedIndexWrite(42)).ok());
  EXPECT_EQ(b->CurrentRevision(), a->CurrentRevision());
  EXPECT_EQ(b->CompactedRevision(), a->CompactedRevision());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
  EXPECT_EQ(Dump(engine_b, ColumnFamily::kMvcc), Dump(engine_a, ColumnFamily::kMvcc));
  EXPECT_EQ(KvMeta(engine_b), KvMeta(engine_a));
  EXPECT_EQ(GetOne(*b, kNulKey)->value, "nul");
  EXPECT_EQ(GetOne(*b, kHighKey)->value, "high");
  EXPECT_EQ(GetOne(*b, "key1", 9), GetOne(*a, "key1", 9));
  auto applied = engine_b.Get(ColumnFamily::kMeta, storage::AppliedIndexKey(1));
  ASSERT_TRUE(applied.ok() && applied->has_value());
  EXPECT_EQ(storage::DecodeFixed64BigEndian(**applied), 42u);

  // The imported store keeps working: the next write takes the next revision.
  PutOne(*b, "new", "x");
  EXPECT_EQ(b->CurrentRevision(), a->CurrentRevision() + 1);
  // And the state survives a reopen.
  b.reset();
  auto reopened = OpenStore(&engine_b);
  EXPECT_EQ(reopened->CurrentRevision(), a->CurrentRevision() + 1);
}

TEST(StateTransferTest, ImportReplacesTheWholeOldState) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  PutOne(*a, "only-in-a", "1");
  auto data = a->ExportState();
  ASSERT_TRUE(data.ok());

  // b is ahead of a, has compacted, and has keys sorting after every bound.
  auto b = OpenStore(&engine_b);
  FillSource(*b);
  PutOne(*b, std::string("\xff\xff\xff\xff", 4), "very high");
  storage::WriteBatch other;
  other.Put(ColumnFamily::kMeta, storage::MembershipKey(1), "membership");
  ASSERT_TRUE(engine_b.Write(other, false).ok());

  ASSERT_TRUE(b->ImportState(*data, AppliedIndexWrite(7)).ok());
  EXPECT_EQ(b->CurrentRevision(), 2);
  EXPECT_EQ(b->CompactedRevision(), 0);
  EXPECT_FALSE(b->CompactionPending());
  EXPECT_EQ(Dump(engine_b, ColumnFamily::kMvcc), Dump(engine_a, ColumnFamily::kMvcc));
  EXPECT_EQ(KvMeta(engine_b), KvMeta(engine_a));
  EXPECT_EQ(HashOf(*b), HashOf(*a));
  // Meta keys of other layers are left alone.
  auto membership = engine_b.Get(ColumnFamily::kMeta, storage::MembershipKey(1));
  ASSERT_TRUE(membership.ok() && membership->has_value());
  EXPECT_EQ(**membership, "membership");
}

TEST(StateTransferTest, PendingCompactionTravelsAndFinishesOnTheImporter) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  for (int i = 0; i < 10; ++i) PutOne(*a, "k", "v" + std::to_string(i));
  {
    auto txn = a->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Compact(8).ok());
    ASSERT_TRUE((*txn)->Commit(false).ok());
  }
  ASSERT_TRUE(a->CompactionPending());
  auto data = a->ExportState();
  ASSERT_TRUE(data.ok());
  auto b = OpenStore(&engine_b);
  ASSERT_TRUE(b->ImportState(*data, {}).ok());
  EXPECT_TRUE(b->CompactionPending());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
  while (true) {
    auto done = b->CompactStep(1);
    ASSERT_TRUE(done.ok());
    if (*done) break;
  }
  EXPECT_FALSE(b->CompactionPending());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
  EXPECT_EQ(Dump(engine_b, ColumnFamily::kMvcc).size(), 4u);  // Revisions 8 to 11.
}

// Builds a snapshot whose checksum is right but whose contents are not.
std::string Encode(const std::vector<std::tuple<ColumnFamily, std::string, std::string>>& entries) {
  StateEncoder encoder;
  for (const auto& [cf, k, v] : entries) encoder.Add(cf, k, v);
  encoder.Finish();
  return encoder.TakeAll();
}

std::string Rev(int64_t r) { return storage::EncodeFixed64BigEndian(static_cast<uint64_t>(r)); }

TEST(StateTransferTest, CorruptSnapshotsAreRejectedAndChangeNothing) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  FillSource(*a);
  auto exported = a->ExportState();
  ASSERT_TRUE(exported.ok());
  const std::string& good = *exported;

  auto b = OpenStore(&engine_b);
  PutOne(*b, "mine", "1");
  const Entries mvcc_before = Dump(engine_b, ColumnFamily::kMvcc);
  const Entries meta_before = Dump(engine_b, ColumnFamily::kMeta);
  const uint32_t hash_before = HashOf(*b);

  const std::string current = storage::KvMetaKey("current_revision");
  const std::string compacted = storage::KvMetaKey("compacted_revision");
  const std::string put = EncodePut(2, 1, 0, "v");
  std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"truncated", good.substr(0, good.size() - 1)},
      {"cut in the middle", good.substr(0, good.size() / 2)},
      {"trailing byte", good + "x"},
      {"flipped byte in an entry",
       [&] {
         std::string s = good;
         s[s.size() / 2] ^= 0x01;
         return s;
       }()},
      {"flipped byte in the checksum",
       [&] {
         std::string s = good;
         s.back() ^= 0x80;
         return s;
       }()},
      {"bad magic",
       [&] {
         std::string s = good;
         s[0] = 'X';
         return s;
       }()},
      {"out of order", Encode({{ColumnFamily::kMvcc, HistoryKey("b", {2, 0}), put},
                               {ColumnFamily::kMvcc, HistoryKey("a", {2, 1}), put},
                               {ColumnFamily::kMeta, current, Rev(2)}})},
      {"meta before mvcc", Encode({{ColumnFamily::kMeta, current, Rev(2)},
                                   {ColumnFamily::kMvcc, HistoryKey("a", {2, 0}), put}})},
      {"foreign meta key", Encode({{ColumnFamily::kMeta, storage::AppliedIndexKey(1), Rev(1)}})},
      {"malformed history key", Encode({{ColumnFamily::kMvcc, "no-terminator", put},
                                        {ColumnFamily::kMeta, current, Rev(2)}})},
      {"malformed record", Encode({{ColumnFamily::kMvcc, HistoryKey("a", {2, 0}), "\x07"},
                                   {ColumnFamily::kMeta, current, Rev(2)}})},
      {"history above the current revision",
       Encode({{ColumnFamily::kMvcc, HistoryKey("a", {5, 0}), put},
               {ColumnFamily::kMeta, current, Rev(2)}})},
      {"compacted above current",
       Encode({{ColumnFamily::kMeta, compacted, Rev(9)}, {ColumnFamily::kMeta, current, Rev(2)}})},
      {"short revision", Encode({{ColumnFamily::kMeta, current, "\x01"}})},
  };
  for (const auto& [name, data] : bad) {
    // Streamed in small pieces, the stager refuses it too, at a Write or at
    // Finish, and leaves no staged table behind.
    {
      auto stager = StateStager::Start(&engine_b);
      ASSERT_TRUE(stager.ok());
      Status streamed;
      for (size_t i = 0; i < data.size() && streamed.ok(); i += 3) {
        streamed = (*stager)->Write(std::string_view(data).substr(i, 3));
      }
      if (streamed.ok()) streamed = (*stager)->Finish().status();
      EXPECT_TRUE(streamed.Is(StatusCode::kCorruption)) << name << ": " << streamed.ToString();
    }
    EXPECT_EQ(engine_b.staged_table_count(), 0u) << name;
    Status s = b->ImportState(data, AppliedIndexWrite(99));
    EXPECT_TRUE(s.Is(StatusCode::kCorruption)) << name << ": " << s.ToString();
    EXPECT_EQ(Dump(engine_b, ColumnFamily::kMvcc), mvcc_before) << name;
    EXPECT_EQ(Dump(engine_b, ColumnFamily::kMeta), meta_before) << name;
    EXPECT_EQ(b->CurrentRevision(), 2) << name;
    EXPECT_EQ(HashOf(*b), hash_before) << name;
  }
  // The good snapshot still imports.
  EXPECT_TRUE(b->ImportState(good, {}).ok());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
}

TEST(StateTransferTest, EmptyStoreRoundTrips) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  auto b = OpenStore(&engine_b);
  PutOne(*b, "x", "y");
  auto data = a->ExportState();
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(b->ImportState(*data, {}).ok());
  EXPECT_EQ(b->CurrentRevision(), 1);
  EXPECT_TRUE(Dump(engine_b, ColumnFamily::kMvcc).empty());
  EXPECT_EQ(GetOne(*b, "x"), std::nullopt);
}

// Streams the state of `from` through a reader and a stager in pieces of
// `chunk` bytes; returns the staged state.
StagedState Stream(const MvccStore& from, storage::Engine* to, size_t chunk,
                   StageOptions options = {}) {
  auto view = from.CaptureState();
  STRATA_ASSERT(view.ok());
  StateReader reader(*view);
  auto stager = StateStager::Start(to, options);
  STRATA_ASSERT(stager.ok());
  std::string piece;
  while (true) {
    piece.clear();
    auto more = reader.Read(chunk, &piece);
    STRATA_ASSERT_MSG(more.ok(), more.status().ToString());
    if (!*more) break;
    STRATA_ASSERT(piece.size() <= chunk);
    Status s = (*stager)->Write(piece);
    STRATA_ASSERT_MSG(s.ok(), s.ToString());
  }
  auto staged = (*stager)->Finish();
  STRATA_ASSERT_MSG(staged.ok(), staged.status().ToString());
  return std::move(*staged);
}

TEST(StateStreamTest, StreamInAnyPieceSizeEqualsTheWholeImage) {
  storage::MemoryEngine engine_a;
  auto a = OpenStore(&engine_a);
  FillSource(*a);
  auto whole = a->ExportState();
  ASSERT_TRUE(whole.ok());
  for (size_t chunk : {1, 2, 7, 100, 4096}) {
    auto view = a->CaptureState();
    ASSERT_TRUE(view.ok());
    StateReader reader(*view);
    std::string streamed;
    while (true) {
      auto more = reader.Read(chunk, &streamed);
      ASSERT_TRUE(more.ok());
      if (!*more) break;
    }
    EXPECT_EQ(streamed, *whole) << "chunk " << chunk;
    EXPECT_EQ(reader.bytes(), whole->size());

    storage::MemoryEngine engine_b;
    auto b = OpenStore(&engine_b);
    PutOne(*b, "stale", "x");
    StagedState staged = Stream(*a, &engine_b, chunk);
    EXPECT_EQ(staged.current_revision, a->CurrentRevision());
    EXPECT_EQ(staged.bytes, whole->size());
    ASSERT_TRUE(b->InstallState(staged, AppliedIndexWrite(5)).ok());
    EXPECT_EQ(HashOf(*b), HashOf(*a)) << "chunk " << chunk;
    EXPECT_EQ(Dump(engine_b, ColumnFamily::kMvcc), Dump(engine_a, ColumnFamily::kMvcc));
    EXPECT_EQ(engine_b.staged_table_count(), 0u) << "the install removes its staging directory";
  }
}

TEST(StateStreamTest, DecoderAcceptsEveryCutOfTheStream) {
  storage::MemoryEngine engine;
  auto store = OpenStore(&engine);
  FillSource(*store);
  auto whole = store->ExportState();
  ASSERT_TRUE(whole.ok());
  auto expected = DecodeState(*whole);
  ASSERT_TRUE(expected.ok());
  for (size_t cut = 0; cut <= whole->size(); ++cut) {
    StateDecoder decoder;
    size_t seen = 0;
    auto count = [&](const StateEntry& e) {
      EXPECT_EQ(e.key, (*expected)[seen].key);
      EXPECT_EQ(e.value, (*expected)[seen].value);
      ++seen;
      return Status::Ok();
    };
    ASSERT_TRUE(decoder.Consume(std::string_view(*whole).substr(0, cut), count).ok()) << cut;
    ASSERT_TRUE(decoder.Consume(std::string_view(*whole).substr(cut), count).ok()) << cut;
    ASSERT_TRUE(decoder.Finish().ok()) << cut;
    EXPECT_EQ(seen, expected->size());
  }
}

TEST(StateStreamTest, LargeStatesRollOverToSeveralTables) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  for (int i = 0; i < 300; ++i) PutOne(*a, "key" + std::to_string(i), std::string(100, 'v'));
  auto b = OpenStore(&engine_b);
  StageOptions options;
  options.table_bytes_max = 4096;
  StagedState staged = Stream(*a, &engine_b, 1000, options);
  EXPECT_GT(staged.tables.size(), 5u);
  EXPECT_EQ(staged.tables.back().cf, ColumnFamily::kMeta);
  ASSERT_TRUE(b->InstallState(staged, {}).ok());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
}

TEST(StateStreamTest, OversizedEntriesAreRefused) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  PutOne(*a, "big", std::string(10000, 'v'));
  auto whole = a->ExportState();
  ASSERT_TRUE(whole.ok());
  StageOptions options;
  options.entry_bytes_max = 1000;
  auto stager = StateStager::Start(&engine_b, options);
  ASSERT_TRUE(stager.ok());
  Status s = (*stager)->Write(*whole);
  EXPECT_TRUE(s.Is(StatusCode::kCorruption)) << s.ToString();
  EXPECT_LE((*stager)->max_buffered_bytes(), 1100u);
}

// Heap bytes in use (every arena, plus mmapped blocks).
size_t HeapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// A state of many MB streamed from one RocksDB to another in 1 MiB pieces:
// neither side holds more than about a piece, and the heap stays flat.
TEST(StateStreamTest, StreamingTensOfMegabytesHoldsAboutOneChunk) {
  storage::TestTempDir dir;
  storage::RocksEngineOptions small;
  small.block_cache_bytes = 2u << 20;
  small.write_buffer_bytes = 4u << 20;
  auto engine_a = storage::RocksEngine::Open(dir.Sub("a"), small);
  auto engine_b = storage::RocksEngine::Open(dir.Sub("b"), small);
  ASSERT_TRUE(engine_a.ok() && engine_b.ok());
  auto a = OpenStore(engine_a->get());
  constexpr int kKeys = 60000;
  const std::string value(1000, 'v');
  for (int i = 0; i < kKeys; ++i) {
    auto txn = a->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("key/" + std::to_string(i), value).ok());
    ASSERT_TRUE((*txn)->Commit(false).ok());
  }
  ASSERT_TRUE((*engine_a)->CompactAll().ok());  // Out of the memtables, into files.
  auto b = OpenStore(engine_b->get());

  constexpr size_t kChunk = 1 << 20;
  const size_t heap_before = HeapInUse();
  size_t heap_peak = heap_before;
  auto start = std::chrono::steady_clock::now();
  StagedState staged;
  size_t reader_buffered = 0, stager_buffered = 0;
  {
    auto view = a->CaptureState();
    ASSERT_TRUE(view.ok());
    StateReader reader(std::move(*view));
    auto stager = StateStager::Start(engine_b->get());
    ASSERT_TRUE(stager.ok());
    std::string piece;
    while (true) {
      piece.clear();
      auto more = reader.Read(kChunk, &piece);
      ASSERT_TRUE(more.ok());
      if (!*more) break;
      ASSERT_TRUE((*stager)->Write(piece).ok());
      heap_peak = std::max(heap_peak, HeapInUse());
    }
    auto finished = (*stager)->Finish();
    ASSERT_TRUE(finished.ok()) << finished.status().ToString();
    staged = std::move(*finished);
    reader_buffered = reader.max_buffered_bytes();
    stager_buffered = (*stager)->max_buffered_bytes();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(b->InstallState(staged, AppliedIndexWrite(3)).ok());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
  EXPECT_EQ(b->CurrentRevision(), kKeys + 1);

  const size_t image = staged.bytes;
  const size_t growth = heap_peak > heap_before ? heap_peak - heap_before : 0;
  std::printf(
      "streamed %.1f MiB in %zu tables, %.2f s; buffered: reader %zu B, stager %zu B; "
      "peak heap growth %.1f MiB\n",
      image / 1048576.0, staged.tables.size(), secs, reader_buffered, stager_buffered,
      growth / 1048576.0);
  EXPECT_GT(image, size_t{55} << 20);
  EXPECT_LE(reader_buffered, kChunk + 2 * value.size());
  EXPECT_LE(stager_buffered, kChunk + 2 * value.size());
  // The image is ~60 MiB; RocksDB's caches and the writer's blocks stay
  // within a few MiB each.
  EXPECT_LT(growth, size_t{24} << 20) << "the stream must not be held whole";
}

// A crash part way through InstallState: reopening the engine completes the
// install from the staged tables, and the store opens on the new state.
TEST(StateStreamTest, InstallInterruptedByACrashCompletesOnReopen) {
  for (int crash_point : {1, 2}) {
    storage::TestTempDir dir;
    storage::MemoryEngine engine_a;
    auto a = OpenStore(&engine_a);
    FillSource(*a);
    const uint32_t hash_a = HashOf(*a);
    {
      storage::RocksEngineOptions options;
      options.ingest_crash_point_for_test = crash_point;
      auto engine_b = storage::RocksEngine::Open(dir.Sub("b"), options);
      ASSERT_TRUE(engine_b.ok());
      auto b = OpenStore(engine_b->get());
      PutOne(*b, "old", "state");
      StagedState staged = Stream(*a, engine_b->get(), 64);
      Status s = b->InstallState(staged, AppliedIndexWrite(77));
      EXPECT_FALSE(s.ok()) << "crash point " << crash_point;
    }
    auto engine_b = storage::RocksEngine::Open(dir.Sub("b"));
    ASSERT_TRUE(engine_b.ok()) << engine_b.status().ToString();
    auto b = OpenStore(engine_b->get());
    EXPECT_EQ(HashOf(*b), hash_a) << "crash point " << crash_point;
    EXPECT_EQ(b->CurrentRevision(), a->CurrentRevision());
    EXPECT_EQ(GetOne(*b, "old"), std::nullopt);
    auto applied = (*engine_b)->Get(ColumnFamily::kMeta, storage::AppliedIndexKey(1));
    ASSERT_TRUE(applied.ok() && applied->has_value());
    EXPECT_EQ(storage::DecodeFixed64BigEndian(**applied), 77u);
  }
}

TEST(StateStreamTest, RoundTripBetweenRocksEngines) {
  storage::TestTempDir dir;
  auto engine_a = storage::RocksEngine::Open(dir.Sub("a"));
  auto engine_b = storage::RocksEngine::Open(dir.Sub("b"));
  ASSERT_TRUE(engine_a.ok() && engine_b.ok());
  auto a = OpenStore(engine_a->get());
  FillSource(*a);
  auto b = OpenStore(engine_b->get());
  PutOne(*b, std::string("\xff\xff\xff", 3), "very high");
  StagedState staged = Stream(*a, engine_b->get(), 100);
  ASSERT_TRUE(b->InstallState(staged, {}).ok());
  EXPECT_EQ(HashOf(*b), HashOf(*a));
  EXPECT_EQ(GetOne(*b, std::string("\xff\xff\xff", 3)), std::nullopt);
  EXPECT_EQ(GetOne(*b, kHighKey)->value, "high");
  EXPECT_FALSE(std::filesystem::exists(staged.dir));
}

}  // namespace
}  // namespace strata::kv
