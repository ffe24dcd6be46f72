// Engine: the durable, ordered key-value store under one node.
//
// An Engine holds several column families (see column_family.h), each an
// ordered map from byte-string keys to byte-string values compared with
// memcmp order (shorter key first on a tie). Updates go in atomically through
// a WriteBatch; reads see either the latest state (the Engine itself) or a
// fixed point in time (a ReadView).
//
// Errors are Status values; no method throws. Two implementations exist:
// RocksEngine (rocks_engine.h), the production one, and MemoryEngine
// (memory_engine.h), an in-memory one with fault hooks for tests.
//
// Thread-safety: every Engine is safe for concurrent use by many threads,
// except Close(), which REQUIRES no other call in progress. Iterator and
// ReadView objects are not thread-safe; use each from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/column_family.h"
#include "storage/write_batch.h"

namespace strata::storage {

// Bounds of an iteration: keys k with lower_bound <= k < upper_bound.
struct IteratorOptions {
  // Inclusive. Default: "" (from the first key).
  std::string lower_bound;
  // Exclusive. Default: "", which means no upper bound.
  std::string upper_bound;
};

// A cursor over the keys of one column family within IteratorOptions bounds,
// in ascending key order. An Iterator reads a consistent point-in-time state:
// the state of its ReadView, or the engine's state when it was created;
// writes made after that are invisible to it.
//
// Positioning methods never fail loudly: on an engine error the iterator
// becomes !Valid() and status() reports the error. Check status() when
// Valid() turns false to tell "end of range" from "failed".
// REQUIRES: the Iterator is destroyed before the Engine or ReadView that
// created it.
class Iterator {
 public:
  virtual ~Iterator() = default;

  // True when positioned at a key inside the bounds.
  virtual bool Valid() const = 0;
  // Positions at the first key in bounds.
  virtual void SeekToFirst() = 0;
  // Positions at the last key in bounds.
  virtual void SeekToLast() = 0;
  // Positions at the first key in bounds that is >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last key in bounds that is <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  // Moves to the next key. REQUIRES: Valid().
  virtual void Next() = 0;
  // Moves to the previous key. REQUIRES: Valid().
  virtual void Prev() = 0;
  // The current key and value; they stay valid until the iterator moves.
  // REQUIRES: Valid().
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // OK unless an engine error stopped the iteration.
  virtual Status status() const = 0;
};

// Read access shared by an Engine (latest state) and a ReadView (fixed state).
class Reader {
 public:
  virtual ~Reader() = default;

  // The value of key in cf, or std::nullopt if absent. Errors: engine
  // failures (kIOError, kCorruption, ...); kFailedPrecondition after Close().
  virtual Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const = 0;
  // A new iterator over cf within options' bounds, not yet positioned (call a
  // Seek method first). Errors as for Get.
  virtual Result<std::unique_ptr<Iterator>> NewIterator(ColumnFamily cf,
                                                        IteratorOptions options) const = 0;
};

// A consistent view of every column family as of its creation: writes made
// afterwards are invisible to it and to its iterators. Holding a view keeps
// old data alive (RocksDB cannot drop what the view can still see), so keep
// views short-lived. Get and NewIterator may be called from several threads
// at once (each iterator then belongs to its thread), so one view can feed
// several readers. REQUIRES: destroyed before the Engine that created it.
class ReadView : public Reader {};

// A sorted file of entries for one column family, written outside the
// engine and later made part of it by Engine::IngestTables (RocksEngine
// writes an SST file; MemoryEngine keeps the entries in memory). Memory use
// is bounded by a block of entries, whatever the file's size.
// Thread-safety: not thread-safe. Destroying an unfinished writer abandons
// the file; the caller removes it with its staging directory.
class TableWriter {
 public:
  virtual ~TableWriter() = default;

  // Appends an entry. REQUIRES: key sorts after every key added before.
  // Errors: kInvalidArgument for a key out of order; I/O errors.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // Bytes written to the file so far (an estimate until Finish).
  virtual uint64_t file_bytes() const = 0;
  // Entries added so far.
  virtual uint64_t entries() const = 0;
  // Completes the file and makes it durable (fsync of file and directory).
  // REQUIRES: at least one Put; no call afterwards. Errors: I/O errors.
  virtual Status Finish() = 0;
};

// A finished table file and the column family it belongs to.
struct TableFile {
  ColumnFamily cf;
  std::string path;
  bool operator==(const TableFile&) const = default;
};

class Engine : public Reader {
 public:
  // Applies every update of batch atomically, in order. With sync, the batch
  // and every earlier write are durable on disk (fsync) before this returns;
  // without it, a power loss may drop this and other unsynced writes, but
  // never a synced one, and what survives is always a prefix of the writes.
  // Errors: kResourceExhausted when the disk is full, kIOError, kCorruption;
  // after a failed write the engine may refuse further writes.
  virtual Status Write(const WriteBatch& batch, bool sync) = 0;

  // A point-in-time view of all column families. Errors as for Get.
  virtual Result<std::unique_ptr<ReadView>> NewReadView() const = 0;

  // Approximate bytes the data uses on disk (for MemoryEngine: in memory).
  virtual Result<uint64_t> ApproximateSize() const = 0;

  // Rewrites all data to drop deleted and overwritten entries and reclaim
  // space (etcd's Defragment). Slow; blocks the caller, not other callers.
  virtual Status CompactAll() = 0;

  // Writes a consistent, openable copy of the engine into directory dir
  // (for backups). REQUIRES: dir does not exist; its
  // parent does. Errors: kInvalidArgument if dir exists; kFailedPrecondition
  // if the engine cannot make checkpoints (MemoryEngine); I/O errors.
  virtual Status Checkpoint(const std::string& dir) = 0;

  // ---- Bulk replacement from table files (raft snapshots) ----

  // Creates a new, empty directory in the engine's staging area for table
  // files (RocksEngine: a subdirectory of RocksEngineOptions::staging_dir).
  // The staging area is emptied whenever the engine opens, after finishing
  // any interrupted IngestTables: staged files do not outlive a restart.
  // Errors: I/O errors; kFailedPrecondition after Close().
  virtual Result<std::string> CreateStagingDir() = 0;
  // Removes a directory made by CreateStagingDir with everything in it. It
  // is not an error if it no longer exists. Errors: I/O errors.
  virtual Status RemoveStagingDir(const std::string& dir) = 0;
  // A writer of a new table file at path for column family cf.
  // REQUIRES: path names a file that does not exist, directly inside a
  // directory from CreateStagingDir. Errors: kInvalidArgument for a path
  // outside the staging area; I/O errors.
  virtual Result<std::unique_ptr<TableWriter>> NewTableWriter(ColumnFamily cf,
                                                              const std::string& path) = 0;
  // Atomically and durably: applies `before`, then makes every entry of the
  // finished `tables` visible in its column family (replacing the values of
  // equal keys), then applies `after`. A crash at any point leaves either
  // none of it or, once the engine is opened again, all of it: the engine
  // records the pending change before touching data and completes it on
  // open, from the table files, which this call leaves in place (remove them
  // with their staging directory once it returned OK). Readers may see the
  // steps one after another; views taken before see none of them.
  // Errors: kInvalidArgument for a table outside the staging area or of
  // another column family; kNotFound for a missing table (nothing changed);
  // I/O errors: if `before` was written, the engine then refuses writes and
  // completes the change when it is next opened.
  // REQUIRES: no concurrent write touches the keys the batches or tables
  // touch; no key appears in two tables of one column family.
  virtual Status IngestTables(const WriteBatch& before, const std::vector<TableFile>& tables,
                              const WriteBatch& after) = 0;

  // Makes every earlier write durable (as a synced write would), then
  // releases the engine; later calls fail with kFailedPrecondition.
  // Idempotent; the destructor closes too (ignoring errors).
  // REQUIRES: no other call in progress; every Iterator and ReadView of this
  // engine already destroyed.
  virtual Status Close() = 0;
};

}  // namespace strata::storage
