// RocksEngine: the production Engine, one RocksDB database per node with one
// RocksDB column family per storage::ColumnFamily.
//
// Thread-safety: as Engine: safe for concurrent use (RocksDB synchronizes
// internally), except Close().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "storage/engine.h"

namespace strata::storage {

// Tuning for a small machine (2 cores). Every field has a sensible default.
struct RocksEngineOptions {
  // Create the database if path holds none.
  // Default: true.
  bool create_if_missing = true;
  // Shared LRU cache for data blocks of all column families.
  // Default: 64 MiB.
  size_t block_cache_bytes = 64u << 20;
  // Memtable size per column family before it is flushed to an SST file.
  // Default: 32 MiB.
  size_t write_buffer_bytes = 32u << 20;
  // Threads for flushes and compactions together. Keep below the core count
  // so that background work cannot starve the raft loop. Must be >= 1.
  // Default: 2.
  int background_jobs = 2;
  // When the write-ahead log grows past this, RocksDB flushes the column
  // families that pin its oldest files, bounding recovery time and disk use.
  // Default: 256 MiB.
  uint64_t max_total_wal_bytes = 256u << 20;
  // Directory of the staging area (Engine::CreateStagingDir): table files of
  // snapshots being received. Keep it on the database's file system, so that
  // ingesting a table is a hard link rather than a copy. Emptied on open.
  // Default: "" (the database path followed by ".staging").
  std::string staging_dir;
  // Test hook: IngestTables stops after step 1 (its first synced write) or
  // step 2 (the file ingestion), fails with kInternal and leaves the engine
  // refusing writes, as a crash there would leave the disk. Default: 0 (never).
  int ingest_crash_point_for_test = 0;
};

class RocksEngine {
 public:
  // Opens (or creates) the database in directory path, creating any missing
  // column family. Column families unknown to this version are opened and
  // left untouched. Completes an IngestTables that a crash interrupted, then
  // empties the staging area. Errors: kIOError (e.g. another process holds
  // the lock), kCorruption (including an interrupted IngestTables whose
  // staged tables are gone), kInvalidArgument (no database and
  // !create_if_missing, or invalid options).
  static Result<std::unique_ptr<Engine>> Open(const std::string& path,
                                              const RocksEngineOptions& options = {});
};

}  // namespace strata::storage
