#include "format.h"

#include <charconv>
#include <cstdio>

namespace strata::ctl {

int ExitCodeFor(const client::Error& error) {
  using client::ErrorCode;
  switch (error.code()) {
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kVersionMismatch:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
      return kExitPrecondition;
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return kExitUnavailable;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      return kExitAuth;
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    default:
      return kExitError;
  }
}

std::optional<std::string> ParseBytes(std::string_view text, ByteFormat f) {
  if (!f.hex) return std::string(text);
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    if (ec != std::errc() || end != text.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<char>(value));
  }
  return out;
}

std::string ShowBytes(std::string_view bytes, ByteFormat f) {
  std::string out;
  char buf[5];
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (f.hex) {
      std::snprintf(buf, sizeof(buf), "%02x", c);
      out += buf;
    } else if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(ch);
    } else {
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 0) return std::nullopt;
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60000);
  return std::nullopt;
}

}  // namespace strata::ctl
