#include "client/text.h"

#include <cstdio>

namespace strata::client::internal {

std::string QuoteKey(std::string_view key) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  out += key.size() > kMaxShown ? "...\"" : "\"";
  return out;
}

}  // namespace strata::client::internal
