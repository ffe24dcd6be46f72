#include "kv/history_key.h"

#include <limits>

#include "storage/keys.h"

namespace strata::kv {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xff';
constexpr char kTerminator = '\x01';
constexpr char kAfterTerminator = '\x02';

void AppendInverted(std::string* dst, int64_t v) {
  STRATA_ASSERT(v >= 0);
  storage::PutFixed64BigEndian(dst, ~static_cast<uint64_t>(v));
}

Result<int64_t> DecodeInverted(std::string_view src) {
  uint64_t v = ~storage::DecodeFixed64BigEndian(src);
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::Corruption("kv: history key revision out of range");
  }
  return static_cast<int64_t>(v);
}

}  // namespace

std::string VersionsStart(std::string_view user_key) {
  std::string out;
  out.reserve(user_key.size() + 2 + kRevisionSuffixSize);
  for (char c : user_key) {
    out.push_back(c);
    if (c == kEscape) out.push_back(kEscapedZero);
  }
  out.push_back(kEscape);
  out.push_back(kTerminator);
  return out;
}

std::string VersionsEnd(std::string_view prefix) {
  STRATA_ASSERT(prefix.size() >= 2 && prefix.back() == kTerminator);
  std::string out(prefix);
  out.back() = kAfterTerminator;
  return out;
}

std::string HistoryKey(std::string_view user_key, Revision rev) {
  std::string out = VersionsStart(user_key);
  AppendInverted(&out, rev.main);
  AppendInverted(&out, rev.sub);
  return out;
}

std::string SeekAtOrBelow(std::string_view prefix, int64_t main) {
  std::string out(prefix);
  AppendInverted(&out, main);
  // The smallest inverted sub: sorts before every version with this main.
  out.append(8, '\0');
  return out;
}

Result<ParsedHistoryKey> ParseHistoryKey(std::string_view key) {
  if (key.size() < 2 + kRevisionSuffixSize) {
    return Status::Corruption("kv: history key too short");
  }
  std::string_view prefix = key.substr(0, key.size() - kRevisionSuffixSize);
  if (prefix[prefix.size() - 2] != kEscape || prefix.back() != kTerminator) {
    return Status::Corruption("kv: history key lacks its terminator");
  }
  std::string_view suffix = key.substr(prefix.size());
  Result<int64_t> main = DecodeInverted(suffix);
  STRATA_RETURN_IF_ERROR(main.status());
  Result<int64_t> sub = DecodeInverted(suffix.substr(8));
  STRATA_RETURN_IF_ERROR(sub.status());
  return ParsedHistoryKey{prefix, Revision{*main, *sub}};
}

Result<std::string> DecodeUserKey(std::string_view prefix) {
  if (prefix.size() < 2 || prefix[prefix.size() - 2] != kEscape || prefix.back() != kTerminator) {
    return Status::Corruption("kv: history key prefix lacks its terminator");
  }
  std::string_view escaped = prefix.substr(0, prefix.size() - 2);
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    out.push_back(escaped[i]);
    if (escaped[i] == kEscape) {
      if (i + 1 == escaped.size() || escaped[i + 1] != kEscapedZero) {
        return Status::Corruption("kv: malformed escape in history key");
      }
      ++i;
    }
  }
  return out;
}

HistoryBounds BoundsForRange(std::string_view key, std::string_view range_end) {
  HistoryBounds bounds;
  if (range_end.empty()) {
    bounds.lower = VersionsStart(key);
    bounds.upper = VersionsEnd(bounds.lower);
    return bounds;
  }
  const std::string_view kZero("\0", 1);
  if (range_end == kZero) {
    // "\0" as both key and end asks for every key; "" is not a valid etcd
    // key, but include it rather than special-case it away.
    bounds.lower = key == kZero ? std::string() : VersionsStart(key);
    return bounds;
  }
  if (range_end <= key) {
    bounds.empty = true;
    return bounds;
  }
  bounds.lower = VersionsStart(key);
  bounds.upper = VersionsStart(range_end);
  return bounds;
}

}  // namespace strata::kv
