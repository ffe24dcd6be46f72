// The kv snapshot format: the whole kv state as one self-checking byte
// stream (what MvccStore's state readers write and its stagers read; raft
// snapshots carry it).
//
//   "STRATAKV" | format version (1 byte, = 1)
//   entry*:  column family (1 byte: 2 = mvcc, 3 = meta)
//            | varint64 key size | key | varint64 value size | value
//   end:     0x00 | entry count (8 bytes BE) | CRC-32C of every byte before it (4 bytes BE)
//
// Entries come column family by column family (mvcc, then meta), keys
// strictly ascending within each; meta keys are KvMetaKey() keys. Nothing
// may follow the CRC. Both ends work incrementally: StateEncoder produces
// the stream entry by entry, StateDecoder checks it as the bytes arrive, in
// pieces cut anywhere, holding at most one entry and one piece. Internal to
// the kv layer.
//
// Thread-safety: StateEncoder and StateDecoder are values; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/column_family.h"

namespace strata::kv {

inline constexpr std::string_view kStateMagic = "STRATAKV";
inline constexpr uint8_t kStateFormatVersion = 1;

// Builds the stream. REQUIRES: entries added in the order described above.
class StateEncoder {
 public:
  StateEncoder();
  // REQUIRES: cf is kMvcc or kMeta; not finished.
  void Add(storage::ColumnFamily cf, std::string_view key, std::string_view value);
  // Appends the end marker, count and CRC. REQUIRES: not finished.
  void Finish();
  bool finished() const { return finished_; }

  // Encoded bytes not yet taken.
  size_t buffered() const { return out_.size() - taken_; }
  // Moves up to max_bytes of the encoded bytes not yet taken to the end of
  // *out; returns how many.
  size_t Take(size_t max_bytes, std::string* out);
  // Everything encoded and not yet taken.
  std::string TakeAll();

 private:
  void Append(std::string_view bytes);

  std::string out_;
  size_t taken_ = 0;  // Prefix of out_ already handed out.
  uint32_t crc_ = 0;  // Of every byte appended so far.
  uint64_t count_ = 0;
  bool finished_ = false;
};

struct StateEntry {
  storage::ColumnFamily cf;
  std::string_view key;  // Views into the decoded data.
  std::string_view value;
};

// Checks a stream as its bytes arrive: framing, checksum, column families,
// key order and the meta key prefix (not the contents of keys and values).
class StateDecoder {
 public:
  // Called for each complete entry; its views are valid during the call
  // only. A non-OK return stops decoding with that error.
  using EntryFn = std::function<Status(const StateEntry&)>;

  // entry_bytes_max bounds one entry (key plus value), and with it what the
  // decoder buffers. Default: 64 MiB. With allow_zero_padding, zero bytes
  // after the end are not an error (files padded to whole pages).
  explicit StateDecoder(size_t entry_bytes_max = size_t{64} << 20, bool allow_zero_padding = false);

  // Decodes the next bytes of the stream, calling fn for every entry they
  // complete; keeps an incomplete entry for the next call. Errors:
  // kCorruption naming the first problem (including bytes after the end);
  // fn's errors. After an error every call fails with it.
  Status Consume(std::string_view data, const EntryFn& fn);
  // Errors: kCorruption unless the stream ended with a valid trailer.
  Status Finish() const;

  bool done() const { return phase_ == Phase::kDone; }
  uint64_t entries() const { return count_; }
  uint64_t bytes() const { return bytes_; }
  // Bytes held between calls (an incomplete entry), now and at most.
  size_t buffered_bytes() const { return buffer_.size(); }
  size_t max_buffered_bytes() const { return max_buffered_; }

 private:
  enum class Phase { kHeader, kEntries, kDone };
  Status ConsumeImpl(std::string_view data, const EntryFn& fn);
  // Decodes one item at the front of in: *used is set to its size, or to 0
  // when in holds only part of it.
  Status DecodeOne(std::string_view in, const EntryFn& fn, size_t* used);

  const size_t entry_bytes_max_;
  const bool allow_zero_padding_;
  Phase phase_ = Phase::kHeader;
  std::string buffer_;  // An incomplete item carried to the next call.
  size_t max_buffered_ = 0;
  uint32_t crc_ = 0;
  uint64_t count_ = 0;
  uint64_t bytes_ = 0;
  bool have_last_ = false;
  storage::ColumnFamily last_cf_ = storage::ColumnFamily::kMvcc;
  std::string last_key_;
  Status error_;
};

// The entries of a whole snapshot, checked as by StateDecoder; the views
// point into data. Errors: kCorruption naming the first problem.
Result<std::vector<StateEntry>> DecodeState(std::string_view data);

// The prefix every KvMetaKey() shares, and the first key after them all.
std::string KvMetaPrefix();
std::string KvMetaPrefixEnd();

}  // namespace strata::kv
