// stratactl's text conventions: bytes in and out of the terminal, durations,
// and exit codes.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "strata/result.h"

namespace strata::ctl {

// Exit codes (documented in --help and docs/client.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,         // Any other failure.
  kExitUsage = 2,         // Bad command line.
  kExitNotFound = 3,      // Key or timeline does not exist.
  kExitPrecondition = 4,  // Version mismatch, already exists, conflict.
  kExitUnavailable = 5,   // No member answered in time.
  kExitAuth = 6,          // Unauthenticated or permission denied.
};

// The exit code for a failed operation.
int ExitCodeFor(const client::Error& error);

// How bytes cross the command line: as given, or as hexadecimal digits.
struct ByteFormat {
  bool hex = false;
};

// Argument text to bytes; nullopt for bad hex (odd length, non-hex digit).
std::optional<std::string> ParseBytes(std::string_view text, ByteFormat f);
// Bytes for output: hex digits, or printable ASCII with other bytes (and
// backslash) as \xNN so that every byte is visible and lines stay lines.
std::string ShowBytes(std::string_view bytes, ByteFormat f);

// "250ms", "5s", "2m" or a plain number of milliseconds.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace strata::ctl
