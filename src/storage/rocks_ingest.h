// RocksEngine's bulk replacement: SST table writers, the staging area, and
// the crash-safe IngestTables protocol. Internal to storage.
//
// IngestTables(before, tables, after) runs three steps:
//   1. one synced write: `before` plus the pending-ingest record
//      (PendingIngestKey in cf meta: the tables, relative to the staging
//      area, and the encoded `after` batch);
//   2. RocksDB IngestExternalFiles of every table, atomic across column
//      families (each table is hard-linked first and the link moved in, so
//      the staged file survives for a retry);
//   3. one synced write: `after` plus the deletion of the record.
// A crash after step 1 leaves the record; RocksEngine::Open then redoes
// steps 2 and 3. Redoing step 2 is harmless: ingesting the same entries
// again at a newer sequence number leaves the visible state unchanged.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "base/status.h"
#include "storage/engine.h"

namespace strata::storage {

// A TableWriter over rocksdb::SstFileWriter for one column family of db.
// The file is created lazily, on the first Put. REQUIRES: db and cf outlive it.
Result<std::unique_ptr<TableWriter>> NewRocksTableWriter(rocksdb::DB* db,
                                                         rocksdb::ColumnFamilyHandle* cf,
                                                         const std::string& path);

// The pending-ingest record.
struct PendingIngest {
  struct Table {
    ColumnFamily cf;
    std::string relative_path;  // Relative to the staging area.
  };
  std::vector<Table> tables;
  std::string after;  // WriteBatch::Encode() of the final batch.
};
std::string EncodePendingIngest(const PendingIngest& pending);
// Errors: kCorruption.
Result<PendingIngest> DecodePendingIngest(std::string_view data);

// fsync of a directory, so that files created in it survive a crash.
Status SyncDirectory(const std::string& dir);

// Step 2: ingests every table (absolute paths) into its column family
// (cfs indexed by ColumnFamilyIndex), atomically across column families.
Status IngestFiles(rocksdb::DB* db,
                   const std::array<rocksdb::ColumnFamilyHandle*, kNumColumnFamilies>& cfs,
                   const std::vector<TableFile>& tables);

}  // namespace strata::storage
