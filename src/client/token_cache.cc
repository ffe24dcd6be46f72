#include "client/token_cache.h"

namespace strata::client::internal {

Result<std::string> TokenCache::Get(const Authenticate& authenticate) {
  {
    std::lock_guard lock(mu_);
    if (token_) return *token_;
  }
  std::lock_guard auth_lock(auth_mu_);
  {
    std::lock_guard lock(mu_);
    if (token_) return *token_;  // Another thread authenticated meanwhile.
  }
  Result<std::string> fresh = authenticate();
  if (!fresh.ok()) return fresh;
  std::lock_guard lock(mu_);
  token_ = *fresh;
  return *fresh;
}

void TokenCache::Invalidate(const std::string& token) {
  std::lock_guard lock(mu_);
  if (token_ && *token_ == token) token_.reset();
}

}  // namespace strata::client::internal
