// Streaming SHA-256 (OpenSSL's EVP), as etcd's snapshot files carry it: the
// digest of everything before it, as a 32-byte trailer.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX.

namespace strata {

class Sha256 {
 public:
  static constexpr size_t kDigestBytes = 32;

  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // False if OpenSSL could not set up the digest; Update and Finish are
  // then no-ops and Finish answers an empty string.
  bool ok() const { return ctx_ != nullptr; }
  // Hashes bytes after everything given before.
  void Update(std::string_view bytes);
  // The kDigestBytes digest of everything given. The hasher is spent.
  std::string Finish();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace strata
