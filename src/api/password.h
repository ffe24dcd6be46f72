// Password hashing for etcd auth users: PBKDF2-HMAC-SHA256 (OpenSSL) with a
// random 16-byte salt, stored as
//   pbkdf2-sha256$<iterations>$<salt, hex>$<hash, hex>
// so the cost can be raised later without breaking stored hashes. Clear
// text passwords are never stored or logged.
//
// Thread-safety: functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::api {

// Iterations for new hashes: about 20-30 ms on this project's 2-core
// machines (slow enough to make guessing expensive, fast enough for logins).
inline constexpr int kPasswordIterations = 60000;

// A new salted hash of password. Errors: kInternal if OpenSSL fails.
Result<std::string> HashPassword(std::string_view password, int iterations = kPasswordIterations);

// Whether password matches stored (a HashPassword result), in time that
// does not depend on where they differ. A malformed stored hash never matches.
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace strata::api
