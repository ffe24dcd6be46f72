// MemoryEngine: an Engine kept in memory, with the same semantics as
// RocksEngine, plus fault hooks for crash and error tests.
//
// Durability is modelled, not real: writes made with sync=false since the
// last synced write are "unsynced" and DropUnsynced() discards them, as a
// power loss would. A synced write makes itself and every earlier write
// durable, as a WAL fsync does.
//
// Thread-safety: safe for concurrent use, like every Engine; the fault hooks
// too. Views and iterators share state copy-on-write: a write while one is
// open copies the whole store once, so keep them short-lived in large tests.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace strata::storage {

class MemoryEngine final : public Engine {
 public:
  MemoryEngine();
  ~MemoryEngine() override;

  // Engine (see engine.h). Checkpoint() always fails with
  // kFailedPrecondition: there are no files to copy. Staging directories
  // and table "files" live in memory under names like "memory-staging/1";
  // IngestTables applies everything in one step (no crash can split it).
  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const override;
  Result<std::unique_ptr<Iterator>> NewIterator(ColumnFamily cf,
                                                IteratorOptions options) const override;
  Status Write(const WriteBatch& batch, bool sync) override;
  Result<std::unique_ptr<ReadView>> NewReadView() const override;
  Result<uint64_t> ApproximateSize() const override;
  Status CompactAll() override;
  Status Checkpoint(const std::string& dir) override;
  Result<std::string> CreateStagingDir() override;
  Status RemoveStagingDir(const std::string& dir) override;
  Result<std::unique_ptr<TableWriter>> NewTableWriter(ColumnFamily cf,
                                                      const std::string& path) override;
  Status IngestTables(const WriteBatch& before, const std::vector<TableFile>& tables,
                      const WriteBatch& after) override;
  Status Close() override;

  // Finished tables held for IngestTables (for tests of cleanup).
  size_t staged_table_count() const;

  // ---- Fault hooks ----

  // Models a power loss: reverts every unsynced write except the oldest
  // keep_oldest ones (what survives a crash is a prefix of the writes). The
  // kept writes count as durable afterwards. Open views keep what they saw.
  void DropUnsynced(size_t keep_oldest = 0);
  // Number of writes DropUnsynced() would revert.
  size_t unsynced_write_count() const;
  // Makes every later Write fail with error, changing nothing, until
  // called with an OK status (models a full disk or a failing fsync).
  void FailWritesWith(Status error);

 private:
  using Map = std::map<std::string, std::string, std::less<>>;
  struct Data {
    std::array<Map, kNumColumnFamilies> cfs;
  };
  // How to restore one key to its value before an unsynced write.
  struct Undo {
    ColumnFamily cf;
    std::string key;
    std::optional<std::string> old_value;
  };

  // The data, copied first if a view or iterator still shares it.
  Data& MutableData();
  std::shared_ptr<const Data> SharedData() const;
  // Sets or erases key, appending what undoes it to undo (if not null).
  void SetKey(ColumnFamily cf, const std::string& key, std::optional<std::string> value,
              std::vector<Undo>* undo);
  // Applies batch's updates, recording undo information unless sync.
  void ApplyLocked(const WriteBatch& batch, bool sync);
  // Registers a finished table (TableWriter::Finish).
  Status AddTable(const std::string& path, ColumnFamily cf,
                  std::vector<std::pair<std::string, std::string>> entries);
  class MemoryTableWriter;

  // Guards every member below.
  mutable std::mutex mu_;
  // Shared with views and iterators; replaced instead of mutated while shared.
  std::shared_ptr<Data> data_;
  // One undo list per unsynced write, oldest first.
  std::vector<std::vector<Undo>> unsynced_;
  Status write_error_;
  bool closed_ = false;
  // Staging: directories made by CreateStagingDir and finished tables by path.
  struct Table {
    ColumnFamily cf;
    std::vector<std::pair<std::string, std::string>> entries;
  };
  uint64_t next_staging_ = 1;
  std::map<std::string, bool, std::less<>> staging_dirs_;
  std::map<std::string, Table, std::less<>> tables_;
};

}  // namespace strata::storage
