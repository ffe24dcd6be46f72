#include "kv/state_format.h"

#include "kv/crc32c.h"
#include "storage/keys.h"

namespace strata::kv {
namespace {

constexpr uint8_t kEndTag = 0;
constexpr size_t kHeaderSize = kStateMagic.size() + 1;
// End tag, entry count, CRC.
constexpr size_t kTrailerSize = 1 + 8 + 4;
constexpr size_t kMaxVarintBytes = 10;

void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

enum class Parse { kOk, kNeedMore, kBad };

// Reads a varint from the front of *src and advances it.
Parse GetVarint64(std::string_view* src, uint64_t* v) {
  uint64_t result = 0;
  for (size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (i == src->size()) return Parse::kNeedMore;
    auto byte = static_cast<uint8_t>((*src)[i]);
    if (i == kMaxVarintBytes - 1 && (byte & 0x7e) != 0) return Parse::kBad;
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      src->remove_prefix(i + 1);
      *v = result;
      return Parse::kOk;
    }
  }
  return Parse::kBad;
}

uint32_t DecodeFixed32BigEndian(std::string_view src) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

void PutFixed32BigEndian(std::string* dst, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) dst->push_back(static_cast<char>(v >> shift));
}

Status Corrupt(const std::string& what) { return Status::Corruption("kv snapshot: " + what); }

const std::string& MetaPrefix() {
  static const std::string prefix = KvMetaPrefix();
  return prefix;
}

}  // namespace

std::string KvMetaPrefix() {
  // KvMetaKey(name) is the prefix followed by name.
  std::string key = storage::KvMetaKey("x");
  key.pop_back();
  return key;
}

std::string KvMetaPrefixEnd() {
  std::string end = KvMetaPrefix();
  STRATA_ASSERT(!end.empty() && static_cast<uint8_t>(end.back()) != 0xff);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

// ---- StateEncoder ----

StateEncoder::StateEncoder() {
  std::string header(kStateMagic);
  header.push_back(static_cast<char>(kStateFormatVersion));
  Append(header);
}

void StateEncoder::Append(std::string_view bytes) {
  // Drop what was taken once it is most of the buffer, so that the buffer
  // stays about the size of what is pending.
  if (taken_ > 0 && taken_ >= out_.size() / 2) {
    out_.erase(0, taken_);
    taken_ = 0;
  }
  out_.append(bytes);
  crc_ = Crc32cExtend(crc_, bytes);
}

void StateEncoder::Add(storage::ColumnFamily cf, std::string_view key, std::string_view value) {
  STRATA_ASSERT(cf == storage::ColumnFamily::kMvcc || cf == storage::ColumnFamily::kMeta);
  STRATA_ASSERT(!finished_);
  std::string framing;
  framing.push_back(static_cast<char>(cf));
  PutVarint64(&framing, key.size());
  Append(framing);
  Append(key);
  framing.clear();
  PutVarint64(&framing, value.size());
  Append(framing);
  Append(value);
  ++count_;
}

void StateEncoder::Finish() {
  STRATA_ASSERT(!finished_);
  std::string end;
  end.push_back(static_cast<char>(kEndTag));
  storage::PutFixed64BigEndian(&end, count_);
  Append(end);
  std::string crc;
  PutFixed32BigEndian(&crc, crc_);
  out_.append(crc);  // Not part of what the CRC covers.
  finished_ = true;
}

size_t StateEncoder::Take(size_t max_bytes, std::string* out) {
  size_t n = std::min(max_bytes, buffered());
  out->append(out_, taken_, n);
  taken_ += n;
  if (taken_ == out_.size()) {
    out_.clear();
    taken_ = 0;
  }
  return n;
}

std::string StateEncoder::TakeAll() {
  std::string all = out_.substr(taken_);
  out_.clear();
  taken_ = 0;
  return all;
}

// ---- StateDecoder ----

StateDecoder::StateDecoder(size_t entry_bytes_max, bool allow_zero_padding)
    : entry_bytes_max_(entry_bytes_max), allow_zero_padding_(allow_zero_padding) {}

Status StateDecoder::Consume(std::string_view data, const EntryFn& fn) {
  if (!error_.ok()) return error_;
  Status s = ConsumeImpl(data, fn);
  if (!s.ok()) {
    error_ = s;
    buffer_.clear();
    buffer_.shrink_to_fit();
  }
  return s;
}

Status StateDecoder::ConsumeImpl(std::string_view data, const EntryFn& fn) {
  bytes_ += data.size();
  // Decode straight from data when nothing is carried over; otherwise
  // complete the carried item first.
  std::string_view in = data;
  if (!buffer_.empty()) {
    buffer_.append(data);
    in = buffer_;
  }
  size_t pos = 0;
  while (pos < in.size() || phase_ == Phase::kDone) {
    if (phase_ == Phase::kDone) {
      std::string_view rest = in.substr(pos);
      bool padding = allow_zero_padding_ && rest.find_first_not_of('\0') == std::string_view::npos;
      if (!rest.empty() && !padding) return Corrupt("bytes after the end");
      pos = in.size();
      break;
    }
    size_t used = 0;
    STRATA_RETURN_IF_ERROR(DecodeOne(in.substr(pos), fn, &used));
    if (used == 0) break;  // Incomplete: wait for more.
    pos += used;
  }
  std::string rest(in.substr(pos));
  buffer_ = std::move(rest);
  max_buffered_ = std::max(max_buffered_, buffer_.size());
  return Status::Ok();
}

Status StateDecoder::DecodeOne(std::string_view in, const EntryFn& fn, size_t* used) {
  *used = 0;
  if (phase_ == Phase::kHeader) {
    if (in.size() < kHeaderSize) {
      if (!kStateMagic.starts_with(in.substr(0, kStateMagic.size()))) return Corrupt("bad magic");
      return Status::Ok();
    }
    if (!in.starts_with(kStateMagic)) return Corrupt("bad magic");
    auto version = static_cast<uint8_t>(in[kStateMagic.size()]);
    if (version != kStateFormatVersion) {
      return Corrupt("unknown format version " + std::to_string(version));
    }
    crc_ = Crc32cExtend(crc_, in.substr(0, kHeaderSize));
    phase_ = Phase::kEntries;
    *used = kHeaderSize;
    return Status::Ok();
  }

  const auto tag = static_cast<uint8_t>(in[0]);
  if (tag == kEndTag) {
    if (in.size() < kTrailerSize) return Status::Ok();
    crc_ = Crc32cExtend(crc_, in.substr(0, 9));
    if (crc_ != DecodeFixed32BigEndian(in.substr(9, 4))) return Corrupt("checksum mismatch");
    if (storage::DecodeFixed64BigEndian(in.substr(1, 8)) != count_) {
      return Corrupt("entry count mismatch");
    }
    phase_ = Phase::kDone;
    *used = kTrailerSize;
    return Status::Ok();
  }

  StateEntry entry;
  if (tag == static_cast<uint8_t>(storage::ColumnFamily::kMvcc)) {
    entry.cf = storage::ColumnFamily::kMvcc;
  } else if (tag == static_cast<uint8_t>(storage::ColumnFamily::kMeta)) {
    entry.cf = storage::ColumnFamily::kMeta;
  } else {
    return Corrupt("unknown column family tag " + std::to_string(tag));
  }
  std::string_view rest = in.substr(1);
  uint64_t key_size = 0, value_size = 0;
  Parse p = GetVarint64(&rest, &key_size);
  if (p == Parse::kBad) return Corrupt("malformed key size");
  if (p == Parse::kNeedMore) return Status::Ok();
  if (key_size > entry_bytes_max_) return Corrupt("entry larger than the limit");
  if (rest.size() < key_size) return Status::Ok();
  entry.key = rest.substr(0, key_size);
  rest.remove_prefix(key_size);
  p = GetVarint64(&rest, &value_size);
  if (p == Parse::kBad) return Corrupt("malformed value size");
  if (p == Parse::kNeedMore) return Status::Ok();
  if (key_size + value_size > entry_bytes_max_) return Corrupt("entry larger than the limit");
  if (rest.size() < value_size) return Status::Ok();
  entry.value = rest.substr(0, value_size);
  const size_t size = in.size() - rest.size() + value_size;

  if (entry.cf == storage::ColumnFamily::kMeta && !entry.key.starts_with(MetaPrefix())) {
    return Corrupt("meta key outside the kv prefix");
  }
  if (have_last_ && (entry.cf < last_cf_ || (entry.cf == last_cf_ && entry.key <= last_key_))) {
    return Corrupt("entries out of order");
  }
  crc_ = Crc32cExtend(crc_, in.substr(0, size));
  STRATA_RETURN_IF_ERROR(fn(entry));
  have_last_ = true;
  last_cf_ = entry.cf;
  last_key_.assign(entry.key);
  ++count_;
  *used = size;
  return Status::Ok();
}

Status StateDecoder::Finish() const {
  if (!error_.ok()) return error_;
  if (phase_ != Phase::kDone) {
    return Corrupt(phase_ == Phase::kHeader ? "too short" : "missing end marker");
  }
  return Status::Ok();
}

Result<std::vector<StateEntry>> DecodeState(std::string_view data) {
  StateDecoder decoder(data.size());
  std::vector<StateEntry> entries;
  // One call with nothing carried over: the views point into data.
  STRATA_RETURN_IF_ERROR(decoder.Consume(data, [&](const StateEntry& e) {
    entries.push_back(e);
    return Status::Ok();
  }));
  STRATA_RETURN_IF_ERROR(decoder.Finish());
  return entries;
}

}  // namespace strata::kv
