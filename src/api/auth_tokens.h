// AuthTokens: etcd's simple tokens, and who makes a request.
//
// As in etcd, a token is a random prefix, chosen by the member that checked
// the password and carried in the committed Authenticate request, a dot, and
// the raft index of that request. Every member stores the token when it
// applies the request, so a client may use it with any member: a member that
// has not applied that index yet waits for it (up to a bound) before
// deciding the token is unknown. A token lives for its TTL
// from its last use (etcd's --auth-token-ttl, default 300 s); deleting a
// user, changing its password or disabling auth drops its tokens. Tokens
// are not persisted: after a restart clients authenticate again.
//
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "api/caller.h"
#include "base/status.h"
#include "kv/auth_store.h"

namespace grpc {
class ServerContextBase;
}

namespace strata::api {

class AuthTokens {
 public:
  explicit AuthTokens(std::chrono::seconds ttl = std::chrono::seconds(300),
                      std::chrono::milliseconds apply_wait = std::chrono::seconds(5))
      : ttl_(ttl), apply_wait_(apply_wait) {}

  // A fresh random token prefix (16 letters), chosen before proposing.
  static std::string NewPrefix();
  // The token of the Authenticate request with `prefix` applied at `index`.
  static std::string TokenAt(const std::string& prefix, uint64_t index);

  void Assign(const std::string& token, const std::string& user);
  // Every raft index this member applies, in order: unblocks Resolve calls
  // waiting for a token from that index.
  void Applied(uint64_t index);
  // The user the token belongs to, refreshing its TTL; waits up to
  // apply_wait for this member to apply the token's index. Errors: etcd's
  // kInvalidAuthToken for a malformed, unknown or expired token.
  Result<std::string> Resolve(const std::string& token);
  void DropUser(const std::string& user);
  void Clear();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string user;
    Clock::time_point expires;
  };
  const std::chrono::seconds ttl_;
  const std::chrono::milliseconds apply_wait_;
  std::atomic<uint64_t> applied_{0};
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable applied_cv_;
  std::map<std::string, Entry> tokens_;  // Guarded by mu_.
};

// Resolves the caller of a request from its token.
class Authenticator {
 public:
  // Neither owned; both must outlive this object.
  Authenticator(const kv::AuthStore* store, AuthTokens* tokens) : store_(store), tokens_(tokens) {}

  // With auth disabled every request passes (an empty Caller). Otherwise the
  // "token" metadata names the user; without a token FromGrpc takes the
  // common name of the client certificate when the server required and
  // verified one (etcd's --client-cert-auth), else an empty user (checks
  // then fail with etcd's "user name is empty"). Errors: kInvalidAuthToken.
  Result<Caller> FromToken(const std::string& token) const;
  Result<Caller> FromGrpc(const grpc::ServerContextBase& context) const;

  const kv::AuthStore& store() const { return *store_; }
  // OK if the call's user may run admin operations (or auth is disabled).
  Status RequireAdmin(const grpc::ServerContextBase& context) const;

 private:
  const kv::AuthStore* const store_;
  AuthTokens* const tokens_;
};

}  // namespace strata::api
