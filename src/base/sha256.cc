#include "base/sha256.h"

#include <openssl/evp.h>

namespace strata {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = nullptr;
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(std::string_view bytes) {
  if (ctx_ != nullptr) EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

std::string Sha256::Finish() {
  if (ctx_ == nullptr) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_, digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace strata
