// Bulk replacement from table files (Engine::IngestTables): the same
// behaviour on both engines, and RocksEngine's recovery of an ingest that a
// crash interrupted.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/keys.h"
#include "storage/memory_engine.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::storage {
namespace {

constexpr ColumnFamily kMvcc = ColumnFamily::kMvcc;
constexpr ColumnFamily kMeta = ColumnFamily::kMeta;

using Entries = std::map<std::string, std::string>;

Entries Scan(const Reader& reader, ColumnFamily cf) {
  auto it = reader.NewIterator(cf, {});
  STRATA_ASSERT(it.ok());
  Entries out;
  for ((*it)->SeekToFirst(); (*it)->Valid(); (*it)->Next()) {
    out.emplace((*it)->key(), (*it)->value());
  }
  STRATA_ASSERT((*it)->status().ok());
  return out;
}

// Writes entries (ascending) into a new table in dir; returns its path.
std::string WriteTable(Engine* engine, const std::string& dir, const std::string& name,
                       ColumnFamily cf, const Entries& entries) {
  std::string path = dir + "/" + name;
  auto writer = engine->NewTableWriter(cf, path);
  STRATA_ASSERT_MSG(writer.ok(), writer.status().ToString());
  for (const auto& [k, v] : entries) STRATA_ASSERT((*writer)->Put(k, v).ok());
  Status s = (*writer)->Finish();
  STRATA_ASSERT_MSG(s.ok(), s.ToString());
  return path;
}

struct MemoryMaker {
  std::unique_ptr<Engine> Make() { return std::make_unique<MemoryEngine>(); }
};
struct RocksMaker {
  TestTempDir dir;
  std::unique_ptr<Engine> Make() {
    auto engine = RocksEngine::Open(dir.Sub("db"));
    STRATA_ASSERT_MSG(engine.ok(), engine.status().ToString());
    return std::move(engine).value();
  }
};

template <typename Maker>
class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = maker_.Make();
    WriteBatch old;
    old.Put(kMvcc, "a", "old-a");
    old.Put(kMvcc, "m", "old-m");
    old.Put(kMvcc, "\xff\xff", "old-high");
    old.Put(kMeta, "kv/rev", "old");
    old.Put(kMeta, "other", "kept");
    ASSERT_TRUE(engine_->Write(old, /*sync=*/false).ok());
  }

  Maker maker_;
  std::unique_ptr<Engine> engine_;
};

class MakerNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryMaker> ? "Memory" : "Rocks";
  }
};
using Makers = ::testing::Types<MemoryMaker, RocksMaker>;
TYPED_TEST_SUITE(IngestTest, Makers, MakerNames);

TYPED_TEST(IngestTest, ReplacesDataWithTablesBetweenTwoBatches) {
  Engine* e = this->engine_.get();
  auto dir = e->CreateStagingDir();
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  std::vector<TableFile> tables = {
      {kMvcc, WriteTable(e, *dir, "mvcc-1", kMvcc, {{"b", "new-b"}, {"c", "new-c"}})},
      {kMvcc, WriteTable(e, *dir, "mvcc-2", kMvcc, {{"d", "new-d"}})},
      {kMeta, WriteTable(e, *dir, "meta-1", kMeta, {{"kv/rev", "new"}})}};
  auto view_before = e->NewReadView();
  ASSERT_TRUE(view_before.ok());

  WriteBatch before;
  before.DeleteRange(kMvcc, "", "\xff");
  before.Delete(kMvcc, "\xff\xff");
  before.DeleteRange(kMeta, "kv/", "kv0");
  WriteBatch after;
  after.Put(kMeta, "applied", "7");
  ASSERT_TRUE(e->IngestTables(before, tables, after).ok());

  EXPECT_EQ(Scan(*e, kMvcc), (Entries{{"b", "new-b"}, {"c", "new-c"}, {"d", "new-d"}}));
  EXPECT_EQ(Scan(*e, kMeta), (Entries{{"applied", "7"}, {"kv/rev", "new"}, {"other", "kept"}}));
  // A view taken before sees none of it.
  EXPECT_EQ(Scan(**view_before, kMvcc),
            (Entries{{"a", "old-a"}, {"m", "old-m"}, {"\xff\xff", "old-high"}}));
  // The tables stay until their directory is removed; then they are gone.
  ASSERT_TRUE(e->RemoveStagingDir(*dir).ok());
  EXPECT_TRUE(e->IngestTables({}, tables, {}).Is(StatusCode::kNotFound));
  // Not an error twice.
  EXPECT_TRUE(e->RemoveStagingDir(*dir).ok());
}

TYPED_TEST(IngestTest, IngestedValuesReplaceEqualKeys) {
  Engine* e = this->engine_.get();
  auto dir = e->CreateStagingDir();
  ASSERT_TRUE(dir.ok());
  std::vector<TableFile> tables = {
      {kMvcc, WriteTable(e, *dir, "t", kMvcc, {{"a", "new-a"}, {"z", "new-z"}})}};
  ASSERT_TRUE(e->IngestTables({}, tables, {}).ok());
  EXPECT_EQ(Scan(*e, kMvcc),
            (Entries{{"a", "new-a"}, {"m", "old-m"}, {"z", "new-z"}, {"\xff\xff", "old-high"}}));
  // Later writes land on top of ingested data as usual.
  WriteBatch b;
  b.Put(kMvcc, "a", "later");
  ASSERT_TRUE(e->Write(b, false).ok());
  EXPECT_EQ(Scan(*e, kMvcc).at("a"), "later");
}

TYPED_TEST(IngestTest, NoTablesAppliesBothBatches) {
  Engine* e = this->engine_.get();
  WriteBatch before;
  before.DeleteRange(kMvcc, "", "\xff");
  WriteBatch after;
  after.Put(kMeta, "applied", "1");
  ASSERT_TRUE(e->IngestTables(before, {}, after).ok());
  EXPECT_EQ(Scan(*e, kMvcc), (Entries{{"\xff\xff", "old-high"}}));
  EXPECT_EQ(Scan(*e, kMeta).at("applied"), "1");
}

TYPED_TEST(IngestTest, BadTablesChangeNothing) {
  Engine* e = this->engine_.get();
  auto dir = e->CreateStagingDir();
  ASSERT_TRUE(dir.ok());
  WriteBatch before;
  before.DeleteRange(kMvcc, "", "\xff");
  EXPECT_TRUE(
      e->IngestTables(before, {{kMvcc, *dir + "/never-written"}}, {}).Is(StatusCode::kNotFound));
  EXPECT_FALSE(e->NewTableWriter(kMvcc, "/tmp/not-staging/t").ok());
  EXPECT_EQ(Scan(*e, kMvcc).size(), 3u) << "a refused ingest must not run `before`";
}

TYPED_TEST(IngestTest, TableWriterRejectsKeysOutOfOrder) {
  Engine* e = this->engine_.get();
  auto dir = e->CreateStagingDir();
  ASSERT_TRUE(dir.ok());
  auto writer = e->NewTableWriter(kMvcc, *dir + "/t");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Put("b", "1").ok());
  EXPECT_TRUE((*writer)->Put("b", "2").Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE((*writer)->Put("a", "2").Is(StatusCode::kInvalidArgument));
  ASSERT_TRUE((*writer)->Put("c", "3").ok());
  EXPECT_EQ((*writer)->entries(), 2u);
  EXPECT_TRUE((*writer)->Finish().ok());
}

// ---- RocksEngine: an ingest interrupted by a crash ----

class RocksIngestRecoveryTest : public ::testing::TestWithParam<int> {
 protected:
  std::unique_ptr<Engine> Open(int crash_point = 0) {
    RocksEngineOptions options;
    options.ingest_crash_point_for_test = crash_point;
    auto engine = RocksEngine::Open(dir_.Sub("db"), options);
    STRATA_ASSERT_MSG(engine.ok(), engine.status().ToString());
    return std::move(engine).value();
  }

  // Starts an ingest that stops at crash_point; returns the staged tables.
  std::vector<TableFile> CrashDuringIngest(int crash_point) {
    auto e = Open(crash_point);
    WriteBatch old;
    old.Put(kMvcc, "a", "old-a");
    old.Put(kMeta, "applied", "1");
    STRATA_ASSERT(e->Write(old, true).ok());
    auto dir = e->CreateStagingDir();
    STRATA_ASSERT(dir.ok());
    std::vector<TableFile> tables = {
        {kMvcc, WriteTable(e.get(), *dir, "t", kMvcc, {{"b", "new-b"}, {"c", "new-c"}})}};
    WriteBatch before;
    before.DeleteRange(kMvcc, "", "\xff");
    WriteBatch after;
    after.Put(kMeta, "applied", "9");
    Status s = e->IngestTables(before, tables, after);
    EXPECT_TRUE(s.Is(StatusCode::kInternal)) << s.ToString();
    // The "crashed" engine refuses writes until it is opened again.
    EXPECT_TRUE(e->Write(old, false).Is(StatusCode::kFailedPrecondition));
    return tables;
  }

  TestTempDir dir_;
};

TEST_P(RocksIngestRecoveryTest, ReopenCompletesTheIngest) {
  std::vector<TableFile> tables = CrashDuringIngest(GetParam());
  auto e = Open();
  EXPECT_EQ(Scan(*e, kMvcc), (Entries{{"b", "new-b"}, {"c", "new-c"}}));
  EXPECT_EQ(Scan(*e, kMeta), (Entries{{"applied", "9"}})) << "the record is gone, `after` applied";
  EXPECT_FALSE(std::filesystem::exists(tables[0].path)) << "the staging area is emptied";
  // And a second reopen changes nothing.
  e.reset();
  e = Open();
  EXPECT_EQ(Scan(*e, kMvcc), (Entries{{"b", "new-b"}, {"c", "new-c"}}));
}

INSTANTIATE_TEST_SUITE_P(CrashPoints, RocksIngestRecoveryTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return p.param == 1 ? "AfterFirstWrite" : "AfterIngest";
                         });

TEST(RocksIngestTest, InterruptedIngestWithoutItsTablesFailsToOpen) {
  TestTempDir dir;
  std::string table;
  {
    RocksEngineOptions options;
    options.ingest_crash_point_for_test = 1;
    auto e = RocksEngine::Open(dir.Sub("db"), options);
    ASSERT_TRUE(e.ok());
    auto staging = (*e)->CreateStagingDir();
    ASSERT_TRUE(staging.ok());
    table = WriteTable(e->get(), *staging, "t", kMvcc, {{"k", "v"}});
    EXPECT_FALSE((*e)->IngestTables({}, {{kMvcc, table}}, {}).ok());
  }
  ASSERT_TRUE(std::filesystem::remove(table));
  auto reopened = RocksEngine::Open(dir.Sub("db"));
  ASSERT_FALSE(reopened.ok());
  EXPECT_TRUE(reopened.status().Is(StatusCode::kCorruption)) << reopened.status().ToString();
  EXPECT_NE(reopened.status().message().find("missing"), std::string::npos);
}

TEST(RocksIngestTest, StagingAreaIsBesideTheDatabaseAndEmptiedOnOpen) {
  TestTempDir dir;
  std::string staged;
  {
    auto e = RocksEngine::Open(dir.Sub("db"));
    ASSERT_TRUE(e.ok());
    auto staging = (*e)->CreateStagingDir();
    ASSERT_TRUE(staging.ok());
    EXPECT_EQ(std::filesystem::path(*staging).parent_path(),
              std::filesystem::path(dir.Sub("db.staging")));
    staged = WriteTable(e->get(), *staging, "t", kMvcc, {{"k", "v"}});
    ASSERT_TRUE(std::filesystem::exists(staged));
  }
  auto e = RocksEngine::Open(dir.Sub("db"));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(std::filesystem::exists(staged)) << "a receive cut short by a restart is dropped";
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("db.staging")));
  EXPECT_TRUE((*e)->RemoveStagingDir(dir.Sub("db")).Is(StatusCode::kInvalidArgument))
      << "only staging directories can be removed";
}

TEST(RocksIngestTest, ManyTablesAcrossColumnFamiliesSurviveReopen) {
  TestTempDir dir;
  Entries mvcc;
  {
    auto e = RocksEngine::Open(dir.Sub("db"));
    ASSERT_TRUE(e.ok());
    auto staging = (*e)->CreateStagingDir();
    ASSERT_TRUE(staging.ok());
    std::vector<TableFile> tables;
    for (int t = 0; t < 4; ++t) {
      Entries part;
      for (int i = 0; i < 1000; ++i) {
        char key[16];
        std::snprintf(key, sizeof(key), "k%d-%05d", t, i);
        part.emplace(key, std::string(100, static_cast<char>('a' + t)));
      }
      mvcc.insert(part.begin(), part.end());
      tables.push_back(
          {kMvcc, WriteTable(e->get(), *staging, "mvcc-" + std::to_string(t), kMvcc, part)});
    }
    tables.push_back({kMeta, WriteTable(e->get(), *staging, "meta", kMeta, {{"kv/x", "1"}})});
    ASSERT_TRUE((*e)->IngestTables({}, tables, {}).ok());
    ASSERT_TRUE((*e)->RemoveStagingDir(*staging).ok());
  }
  auto e = RocksEngine::Open(dir.Sub("db"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Scan(**e, kMvcc), mvcc);
  EXPECT_EQ(Scan(**e, kMeta), (Entries{{"kv/x", "1"}}));
}

}  // namespace
}  // namespace strata::storage
