// Streaming the whole kv state, for raft snapshots and backups, in the
// format of kv/state_format.h, with memory bounded by a chunk and an entry
// whatever the size of the state:
//
//   sender:   MvccStore::CaptureState()  -> a consistent engine view (cheap)
//             StateReader(view).Read()   -> the stream, chunk by chunk
//   receiver: StateStager.Write(chunk)   -> checked, written to table files
//             StateStager.Finish()       -> StagedState (verified, durable)
//             MvccStore::InstallState()  -> the old state replaced, atomically
//
// Thread-safety: StateReader and StateStager are not thread-safe; use each
// from one thread at a time. Different readers of one view may run on
// different threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kv/state_format.h"
#include "storage/engine.h"

namespace strata::kv {

// Produces the encoded kv state of one engine view: every entry of column
// family mvcc, then every KvMetaKey() entry of meta.
class StateReader {
 public:
  // The reader shares view and drops it once the stream is produced.
  // REQUIRES: the engine outlives the reader.
  explicit StateReader(std::shared_ptr<const storage::ReadView> view);

  // Appends up to max_bytes (> 0) of the stream to *out; returns false once
  // the whole stream was produced (then nothing is appended). Errors: engine
  // errors (the reader is then unusable).
  Result<bool> Read(size_t max_bytes, std::string* out);

  // Encoded bytes produced so far.
  uint64_t bytes() const { return bytes_; }
  // Most bytes held between calls: under max_bytes plus one entry.
  size_t max_buffered_bytes() const { return max_buffered_; }

 private:
  // Encodes entries until about max_bytes are buffered or the stream ends.
  Status Fill(size_t max_bytes);

  enum class Phase { kMvcc, kMeta, kDone };
  std::shared_ptr<const storage::ReadView> view_;
  std::unique_ptr<storage::Iterator> it_;
  Phase phase_ = Phase::kMvcc;
  StateEncoder encoder_;
  uint64_t bytes_ = 0;
  size_t max_buffered_ = 0;
};

// A kv state staged by StateStager: table files in a staging directory of
// the engine, checked and durable, ready for MvccStore::InstallState. Plain
// data: whoever holds it removes `dir` (Engine::RemoveStagingDir) if it is
// never installed.
struct StagedState {
  std::string dir;
  std::vector<storage::TableFile> tables;
  uint64_t entries = 0;
  uint64_t bytes = 0;  // Encoded stream bytes.
  int64_t current_revision = 1;
  int64_t compacted_revision = 0;
};

struct StageOptions {
  // A table file is closed and the next one started once it holds this many
  // bytes. Larger files mean fewer files landing in RocksDB's level 0 at
  // install; the writer's index and filter for one file stay in memory
  // (about 10 MiB at this size). Default: 256 MiB.
  uint64_t table_bytes_max = uint64_t{256} << 20;
  // Largest entry accepted (bounds what the stager buffers). Default: 64 MiB.
  size_t entry_bytes_max = size_t{64} << 20;
  // Zero bytes after the end of the stream are accepted (a snapshot file
  // padded to whole pages). Default: false.
  bool allow_zero_padding = false;
};

// Checks a kv state stream as it arrives and writes its entries to table
// files in a new staging directory. Every check ImportState made on a whole
// image is made here, entry by entry: CRC-32C, framing, order, the meta key
// prefix, history keys and records that parse, consistent revisions and no
// history newer than the current revision. Nothing outside the staging
// directory is touched. Destroying an unfinished stager removes its
// directory.
class StateStager {
 public:
  // Errors: engine errors creating the staging directory.
  static Result<std::unique_ptr<StateStager>> Start(storage::Engine* engine,
                                                    StageOptions options = {});
  ~StateStager();
  StateStager(const StateStager&) = delete;
  StateStager& operator=(const StateStager&) = delete;

  // The next bytes of the stream, cut anywhere. Errors: kCorruption naming
  // the first problem; engine errors. After an error every call fails.
  Status Write(std::string_view bytes);
  // Checks that the stream ended properly and the revisions hold, makes the
  // tables durable and hands them over. Errors: as Write. REQUIRES: called
  // once; no Write afterwards.
  Result<StagedState> Finish();

  const std::string& dir() const { return dir_; }
  // Most bytes held between Writes (the decoder's carry-over).
  size_t max_buffered_bytes() const { return decoder_.max_buffered_bytes(); }

 private:
  StateStager(storage::Engine* engine, std::string dir, StageOptions options);
  Status Add(const StateEntry& e);
  Status CloseTable();

  storage::Engine* const engine_;
  const std::string dir_;
  const StageOptions options_;
  StateDecoder decoder_;
  // The open table file, its column family and the next file number.
  std::unique_ptr<storage::TableWriter> table_;
  storage::ColumnFamily table_cf_ = storage::ColumnFamily::kMvcc;
  uint64_t next_table_ = 1;
  std::vector<storage::TableFile> tables_;
  // What the revision checks need: the highest history revision seen and
  // the revision meta entries (few and small).
  int64_t max_history_revision_ = 0;
  std::vector<std::pair<std::string, std::string>> revision_meta_;
  std::vector<std::string> revision_keys_;
  Status error_;
  bool finished_ = false;
};

}  // namespace strata::kv
