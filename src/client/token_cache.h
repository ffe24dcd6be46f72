// The etcd auth token of a client: fetched once (Auth.Authenticate), shared
// by every call, fetched again when a member says it is invalid.
//
// Thread-safety: thread-safe; one authentication runs at a time and the
// threads that need a token meanwhile wait for its result.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "strata/result.h"

namespace strata::client::internal {

class TokenCache {
 public:
  // Returns a token ("" when the cluster has auth turned off), or the error
  // of authenticate.
  using Authenticate = std::function<Result<std::string>()>;

  // The current token; authenticates when there is none.
  Result<std::string> Get(const Authenticate& authenticate);
  // Forgets `token` if it is still the current one (another thread may
  // already have replaced it).
  void Invalidate(const std::string& token);

 private:
  std::mutex mu_;  // Guards token_.
  std::optional<std::string> token_;
  std::mutex auth_mu_;  // Held while authenticating.
};

}  // namespace strata::client::internal
