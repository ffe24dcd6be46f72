#include "strata/multi_level_key.h"

namespace strata::client {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';  // 00 -> 00 FF
constexpr char kTerminator = '\x01';   // 00 01 ends the primary
constexpr char kPastTerminator = '\x02';

void AppendEscapedPrimary(std::string_view primary, std::string* out) {
  for (char c : primary) {
    out->push_back(c);
    if (c == kEscape) out->push_back(kEscapedZero);
  }
  out->push_back(kEscape);
  out->push_back(kTerminator);
}

}  // namespace

std::string EncodeMultiLevelKey(const MultiLevelKey& k) {
  std::string out;
  out.reserve(k.primary.size() + 2 + k.secondary.size());
  AppendEscapedPrimary(k.primary, &out);
  out += k.secondary;
  return out;
}

std::optional<MultiLevelKey> DecodeMultiLevelKey(std::string_view encoded) {
  MultiLevelKey k;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != kEscape) {
      k.primary.push_back(encoded[i]);
      continue;
    }
    if (i + 1 == encoded.size()) return std::nullopt;
    char next = encoded[i + 1];
    if (next == kEscapedZero) {
      k.primary.push_back(kEscape);
      ++i;
    } else if (next == kTerminator) {
      k.secondary = std::string(encoded.substr(i + 2));
      return k;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

KeyRange PrimaryRange(std::string_view primary) {
  KeyRange r;
  AppendEscapedPrimary(primary, &r.start);
  // The start ends in 00 01; every encoding with this primary extends it,
  // and the first string past all of them ends in 00 02 instead.
  r.end = r.start;
  r.end.back() = kPastTerminator;
  return r;
}

}  // namespace strata::client
