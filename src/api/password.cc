#include "api/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

namespace strata::api {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
// Bounds on a stored iteration count, so a corrupt record cannot stall a login.
constexpr int kMaxIterations = 10'000'000;

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

bool Unhex(std::string_view hex, std::vector<unsigned char>* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || ptr != hex.data() + i + 2) return false;
    out->push_back(static_cast<unsigned char>(value));
  }
  return true;
}

bool Derive(std::string_view password, const unsigned char* salt, size_t salt_len, int iterations,
            unsigned char* out) {
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt,
                           static_cast<int>(salt_len), iterations, EVP_sha256(), kHashBytes,
                           out) == 1;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, int iterations) {
  unsigned char salt[kSaltBytes];
  unsigned char hash[kHashBytes];
  if (RAND_bytes(salt, kSaltBytes) != 1) return Status::Internal("cannot draw a password salt");
  if (!Derive(password, salt, kSaltBytes, iterations, hash)) {
    return Status::Internal("cannot hash the password");
  }
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + Hex(salt, kSaltBytes) +
         "$" + Hex(hash, kHashBytes);
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  // scheme $ iterations $ salt $ hash
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      parts.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  auto [ptr, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || iterations <= 0 || iterations > kMaxIterations) return false;
  std::vector<unsigned char> salt, want;
  if (!Unhex(parts[2], &salt) || !Unhex(parts[3], &want) || want.size() != kHashBytes) {
    return false;
  }
  unsigned char got[kHashBytes];
  if (!Derive(password, salt.data(), salt.size(), iterations, got)) return false;
  return CRYPTO_memcmp(got, want.data(), kHashBytes) == 0;
}

}  // namespace strata::api
