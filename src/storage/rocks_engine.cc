#include "storage/rocks_engine.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "storage/keys.h"
#include "storage/rocks_ingest.h"
#include "storage/rocks_iterator.h"
#include "storage/rocks_status.h"

namespace strata::storage {
namespace {

namespace fs = std::filesystem;

Status ClosedError() { return Status::FailedPrecondition("storage: engine is closed"); }
Status FailedError() {
  return Status::FailedPrecondition(
      "storage: a bulk ingest failed part way; reopen the engine to complete it");
}

// State shared by the engine and the views it hands out.
struct RocksHandles {
  rocksdb::DB* db = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kNumColumnFamilies> cfs{};

  rocksdb::ColumnFamilyHandle* cf(ColumnFamily c) const { return cfs[ColumnFamilyIndex(c)]; }

  Result<std::optional<std::string>> Get(const rocksdb::Snapshot* snap, ColumnFamily c,
                                         std::string_view key) const {
    return Guarded("get", [&]() -> Result<std::optional<std::string>> {
      rocksdb::ReadOptions ro;
      ro.snapshot = snap;
      std::string value;
      rocksdb::Status s = db->Get(ro, cf(c), ToSlice(key), &value);
      if (s.IsNotFound()) return std::optional<std::string>();
      if (!s.ok()) return FromRocks(s, "get");
      return std::optional<std::string>(std::move(value));
    });
  }

  Result<std::unique_ptr<Iterator>> NewIterator(const rocksdb::Snapshot* snap, ColumnFamily c,
                                                IteratorOptions options) const {
    return Guarded("new iterator", [&]() -> Result<std::unique_ptr<Iterator>> {
      return std::unique_ptr<Iterator>(NewRocksIterator(db, cf(c), snap, std::move(options)));
    });
  }
};

class RocksReadView final : public ReadView {
 public:
  RocksReadView(const RocksHandles* handles, const rocksdb::Snapshot* snap)
      : handles_(handles), snap_(snap) {}
  ~RocksReadView() override { handles_->db->ReleaseSnapshot(snap_); }
  RocksReadView(const RocksReadView&) = delete;
  RocksReadView& operator=(const RocksReadView&) = delete;

  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const override {
    return handles_->Get(snap_, cf, key);
  }
  Result<std::unique_ptr<Iterator>> NewIterator(ColumnFamily cf,
                                                IteratorOptions options) const override {
    return handles_->NewIterator(snap_, cf, std::move(options));
  }

 private:
  const RocksHandles* handles_;
  const rocksdb::Snapshot* snap_;
};

class RocksEngineImpl final : public Engine {
 public:
  explicit RocksEngineImpl(RocksHandles handles, std::vector<rocksdb::ColumnFamilyHandle*> extra,
                           std::shared_ptr<rocksdb::Cache> cache, fs::path staging_root,
                           int crash_point)
      : h_(handles),
        extra_cfs_(std::move(extra)),
        cache_(std::move(cache)),
        staging_root_(std::move(staging_root)),
        crash_point_(crash_point) {}
  ~RocksEngineImpl() override { (void)Close(); }
  RocksEngineImpl(const RocksEngineImpl&) = delete;
  RocksEngineImpl& operator=(const RocksEngineImpl&) = delete;

  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const override {
    if (closed_) return ClosedError();
    return h_.Get(nullptr, cf, key);
  }

  Result<std::unique_ptr<Iterator>> NewIterator(ColumnFamily cf,
                                                IteratorOptions options) const override {
    if (closed_) return ClosedError();
    return h_.NewIterator(nullptr, cf, std::move(options));
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    if (closed_) return ClosedError();
    if (failed_) return FailedError();
    return WriteUnchecked(batch, sync);
  }

  Status WriteUnchecked(const WriteBatch& batch, bool sync) {
    return Guarded("write", [&]() -> Status {
      rocksdb::WriteBatch rb(batch.byte_size() + 32 * batch.count());
      for (const WriteBatch::Op& op : batch.ops()) {
        rocksdb::Status s;
        switch (op.type) {
          case WriteBatch::OpType::kPut:
            s = rb.Put(h_.cf(op.cf), ToSlice(op.key), ToSlice(op.value));
            break;
          case WriteBatch::OpType::kDelete:
            s = rb.Delete(h_.cf(op.cf), ToSlice(op.key));
            break;
          case WriteBatch::OpType::kDeleteRange:
            // RocksDB rejects end < start; ours treats it as empty.
            if (op.key < op.value) {
              s = rb.DeleteRange(h_.cf(op.cf), ToSlice(op.key), ToSlice(op.value));
            }
            break;
        }
        if (!s.ok()) return FromRocks(s, "build write batch");
      }
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      return FromRocks(h_.db->Write(wo, &rb), "write");
    });
  }

  Result<std::unique_ptr<ReadView>> NewReadView() const override {
    if (closed_) return ClosedError();
    return Guarded("new read view", [&]() -> Result<std::unique_ptr<ReadView>> {
      return std::unique_ptr<ReadView>(std::make_unique<RocksReadView>(&h_, h_.db->GetSnapshot()));
    });
  }

  Result<uint64_t> ApproximateSize() const override {
    if (closed_) return ClosedError();
    return Guarded("approximate size", [&]() -> Result<uint64_t> {
      uint64_t total = 0;
      for (ColumnFamily cf : kAllColumnFamilies) {
        uint64_t sst = 0;
        if (h_.db->GetIntProperty(h_.cf(cf), rocksdb::DB::Properties::kTotalSstFilesSize, &sst)) {
          total += sst;
        }
      }
      rocksdb::VectorLogPtr wal_files;
      STRATA_RETURN_IF_ERROR(FromRocks(h_.db->GetSortedWalFiles(wal_files), "list wal files"));
      for (const auto& f : wal_files) total += f->SizeFileBytes();
      return total;
    });
  }

  Status CompactAll() override {
    if (closed_) return ClosedError();
    return Guarded("compact", [&]() -> Status {
      rocksdb::CompactRangeOptions options;
      options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
      for (ColumnFamily cf : kAllColumnFamilies) {
        STRATA_RETURN_IF_ERROR(
            FromRocks(h_.db->CompactRange(options, h_.cf(cf), nullptr, nullptr), "compact"));
      }
      return Status::Ok();
    });
  }

  Status Checkpoint(const std::string& dir) override {
    if (closed_) return ClosedError();
    return Guarded("checkpoint", [&]() -> Status {
      rocksdb::Checkpoint* raw = nullptr;
      STRATA_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(h_.db, &raw), "checkpoint"));
      std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
      return FromRocks(checkpoint->CreateCheckpoint(dir), "checkpoint " + dir);
    });
  }

  Result<std::string> CreateStagingDir() override {
    if (closed_) return ClosedError();
    return Guarded("create staging dir", [&]() -> Result<std::string> {
      for (;;) {
        fs::path dir = staging_root_ / ("s" + std::to_string(next_staging_++));
        std::error_code ec;
        if (fs::create_directories(dir, ec)) return dir.string();
        if (ec) {
          return Status::IOError("storage: create staging dir " + dir.string() + ": " +
                                 ec.message());
        }
      }
    });
  }

  Status RemoveStagingDir(const std::string& dir) override {
    if (!InStagingArea(dir, /*depth=*/1)) {
      return Status::InvalidArgument("storage: " + dir + " is not a staging directory");
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) return Status::IOError("storage: remove " + dir + ": " + ec.message());
    return Status::Ok();
  }

  Result<std::unique_ptr<TableWriter>> NewTableWriter(ColumnFamily cf,
                                                      const std::string& path) override {
    if (closed_) return ClosedError();
    if (!InStagingArea(path, /*depth=*/2)) {
      return Status::InvalidArgument("storage: table " + path + " is outside the staging area");
    }
    return NewRocksTableWriter(h_.db, h_.cf(cf), path);
  }

  Status IngestTables(const WriteBatch& before, const std::vector<TableFile>& tables,
                      const WriteBatch& after) override {
    if (closed_) return ClosedError();
    if (failed_) return FailedError();
    PendingIngest pending;
    for (const TableFile& t : tables) {
      if (!InStagingArea(t.path, /*depth=*/2)) {
        return Status::InvalidArgument("storage: table " + t.path + " is outside the staging area");
      }
      std::error_code ec;
      if (!fs::is_regular_file(t.path, ec)) {
        return Status::NotFound("storage: table " + t.path + " does not exist");
      }
      pending.tables.push_back(
          {t.cf, fs::absolute(t.path, ec).lexically_normal().lexically_relative(staging_root_)});
    }
    pending.after = after.Encode();
    // Step 1: the old data goes, and the record of what must follow arrives.
    WriteBatch first = before;
    first.Put(ColumnFamily::kMeta, PendingIngestKey(), EncodePendingIngest(pending));
    STRATA_RETURN_IF_ERROR(WriteUnchecked(first, /*sync=*/true));
    Status s = crash_point_ == 1 ? SimulatedCrash() : CompleteIngest(tables, after);
    if (!s.ok()) failed_ = true;
    return s;
  }

  // Finishes an IngestTables a crash interrupted, then empties the staging
  // area. Runs once, from Open, before the engine is handed out.
  Status Recover() {
    auto record = h_.Get(nullptr, ColumnFamily::kMeta, PendingIngestKey());
    STRATA_RETURN_IF_ERROR(record.status());
    if (record->has_value()) {
      auto pending = DecodePendingIngest(**record);
      STRATA_RETURN_IF_ERROR(pending.status());
      auto after = WriteBatch::Decode(pending->after);
      STRATA_RETURN_IF_ERROR(after.status());
      std::vector<TableFile> tables;
      for (const PendingIngest::Table& t : pending->tables) {
        fs::path path = staging_root_ / t.relative_path;
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
          return Status::Corruption(
              "storage: an interrupted snapshot install cannot be completed: its staged table " +
              path.string() + " is missing");
        }
        tables.push_back({t.cf, path.string()});
      }
      STRATA_RETURN_IF_ERROR(IngestFiles(h_.db, h_.cfs, tables));
      WriteBatch last = *after;
      last.Delete(ColumnFamily::kMeta, PendingIngestKey());
      STRATA_RETURN_IF_ERROR(WriteUnchecked(last, /*sync=*/true));
    }
    return Guarded("clear staging area", [&]() -> Status {
      std::error_code ec;
      fs::create_directories(staging_root_, ec);
      if (ec) {
        return Status::IOError("storage: create " + staging_root_.string() + ": " + ec.message());
      }
      for (const auto& entry : fs::directory_iterator(staging_root_)) fs::remove_all(entry.path());
      return Status::Ok();
    });
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    return Guarded("close", [&]() -> Status {
      Status result = FromRocks(h_.db->SyncWAL(), "sync wal on close");
      for (rocksdb::ColumnFamilyHandle* cf : h_.cfs) {
        (void)h_.db->DestroyColumnFamilyHandle(cf);
      }
      for (rocksdb::ColumnFamilyHandle* cf : extra_cfs_) {
        (void)h_.db->DestroyColumnFamilyHandle(cf);
      }
      Status closed = FromRocks(h_.db->Close(), "close");
      delete h_.db;
      h_.db = nullptr;
      return result.ok() ? closed : result;
    });
  }

 private:
  RocksHandles h_;
  // Column families this version does not know; opened because RocksDB
  // requires it, never used.
  std::vector<rocksdb::ColumnFamilyHandle*> extra_cfs_;
  std::shared_ptr<rocksdb::Cache> cache_;
  const fs::path staging_root_;
  const int crash_point_;
  std::atomic<uint64_t> next_staging_{1};
  std::atomic<bool> closed_{false};
  // Set when IngestTables failed after its first write; Open completes it.
  std::atomic<bool> failed_{false};

  Status SimulatedCrash() {
    return Status::Internal("storage: simulated crash in IngestTables (test hook)");
  }

  // Steps 2 and 3 of IngestTables (see rocks_ingest.h).
  Status CompleteIngest(const std::vector<TableFile>& tables, const WriteBatch& after) {
    STRATA_RETURN_IF_ERROR(IngestFiles(h_.db, h_.cfs, tables));
    if (crash_point_ == 2) return SimulatedCrash();
    WriteBatch last = after;
    last.Delete(ColumnFamily::kMeta, PendingIngestKey());
    return WriteUnchecked(last, /*sync=*/true);
  }

  // Whether path lies `depth` levels below the staging root (1: a staging
  // directory, 2: a file in one).
  bool InStagingArea(const std::string& path, int depth) const {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec).lexically_normal();
    if (ec) return false;
    for (int i = 0; i < depth; ++i) {
      if (p.filename().empty() || p.filename() == "..") return false;
      p = p.parent_path();
    }
    return p == staging_root_;
  }
};

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(const RocksEngineOptions& options,
                                                     const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (hard state, meta, a single MVCC key) skip files cheaply.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf_options;
}

rocksdb::DBOptions MakeDbOptions(const RocksEngineOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(options.background_jobs);
  db_options.max_background_jobs = options.background_jobs;
  db_options.max_subcompactions = 1;
  db_options.max_total_wal_size = options.max_total_wal_bytes;
  // Spread SST writeback over time instead of one large fsync at the end.
  db_options.bytes_per_sync = 1u << 20;
  // RocksDB's own info log: keep it small.
  db_options.keep_log_file_num = 5;
  db_options.max_log_file_size = 8u << 20;
  return db_options;
}

}  // namespace

Result<std::unique_ptr<Engine>> RocksEngine::Open(const std::string& path,
                                                  const RocksEngineOptions& options) {
  if (options.background_jobs < 1) {
    return Status::InvalidArgument("storage: background_jobs must be >= 1");
  }
  return Guarded("open " + path, [&]() -> Result<std::unique_ptr<Engine>> {
    auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    rocksdb::DBOptions db_options = MakeDbOptions(options);
    rocksdb::ColumnFamilyOptions cf_options = MakeColumnFamilyOptions(options, cache);

    // Every existing column family must be opened; add ours if missing.
    std::vector<std::string> names;
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, path, &names);
    if (!listed.ok()) names = {rocksdb::kDefaultColumnFamilyName};
    for (ColumnFamily cf : kAllColumnFamilies) {
      std::string name(ColumnFamilyName(cf));
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) descriptors.emplace_back(name, cf_options);

    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    STRATA_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::Open(db_options, path, descriptors, &handles, &db), "open " + path));

    RocksHandles ours;
    ours.db = db;
    std::vector<rocksdb::ColumnFamilyHandle*> extra;
    for (size_t i = 0; i < names.size(); ++i) {
      bool known = false;
      for (ColumnFamily cf : kAllColumnFamilies) {
        if (names[i] == ColumnFamilyName(cf)) {
          ours.cfs[ColumnFamilyIndex(cf)] = handles[i];
          known = true;
        }
      }
      if (!known) extra.push_back(handles[i]);
    }
    for (rocksdb::ColumnFamilyHandle* h : ours.cfs) STRATA_ASSERT(h != nullptr);
    fs::path db_path = fs::path(path).lexically_normal();
    if (db_path.filename().empty()) db_path = db_path.parent_path();
    fs::path staging = options.staging_dir.empty() ? fs::path(db_path.string() + ".staging")
                                                   : fs::path(options.staging_dir);
    auto engine = std::make_unique<RocksEngineImpl>(ours, std::move(extra), std::move(cache),
                                                    fs::absolute(staging).lexically_normal(),
                                                    options.ingest_crash_point_for_test);
    STRATA_RETURN_IF_ERROR(engine->Recover());
    return std::unique_ptr<Engine>(std::move(engine));
  });
}

}  // namespace strata::storage
