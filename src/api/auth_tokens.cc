#include "api/auth_tokens.h"

#include <grpcpp/grpcpp.h>
#include <openssl/rand.h>

#include <charconv>

#include "kv/etcd_errors.h"

namespace strata::api {

std::string AuthTokens::NewPrefix() {
  unsigned char bytes[16];
  STRATA_ASSERT_MSG(RAND_bytes(bytes, sizeof(bytes)) == 1, "no randomness for auth tokens");
  std::string prefix;
  for (unsigned char b : bytes) prefix.push_back(static_cast<char>('a' + b % 26));
  return prefix;
}

std::string AuthTokens::TokenAt(const std::string& prefix, uint64_t index) {
  return prefix + "." + std::to_string(index);
}

void AuthTokens::Applied(uint64_t index) {
  // Sequentially consistent with Resolve's waiters_/applied_ pair, so a
  // waiter either sees the new index or is woken.
  applied_.store(index);
  if (waiters_.load() > 0) {
    std::lock_guard lock(mu_);
    applied_cv_.notify_all();
  }
}

void AuthTokens::Assign(const std::string& token, const std::string& user) {
  std::lock_guard lock(mu_);
  tokens_[token] = Entry{user, Clock::now() + ttl_};
}

Result<std::string> AuthTokens::Resolve(const std::string& token) {
  const size_t dot = token.rfind('.');
  if (dot == std::string::npos) return kv::MakeEtcdError(kv::EtcdError::kInvalidAuthToken);
  const char* end = token.data() + token.size();
  uint64_t index = 0;
  auto [parsed_to, error] = std::from_chars(token.data() + dot + 1, end, index);
  if (error != std::errc{} || parsed_to != end) {
    return kv::MakeEtcdError(kv::EtcdError::kInvalidAuthToken);
  }
  std::unique_lock lock(mu_);
  if (applied_.load() < index) {
    // The token may come from a login this member has not applied yet.
    ++waiters_;
    applied_cv_.wait_for(lock, apply_wait_, [&] { return applied_.load() >= index; });
    --waiters_;
  }
  auto it = tokens_.find(token);
  Clock::time_point now = Clock::now();
  if (it == tokens_.end() || it->second.expires <= now) {
    if (it != tokens_.end()) tokens_.erase(it);
    return kv::MakeEtcdError(kv::EtcdError::kInvalidAuthToken);
  }
  it->second.expires = now + ttl_;
  return it->second.user;
}

void AuthTokens::DropUser(const std::string& user) {
  std::lock_guard lock(mu_);
  std::erase_if(tokens_, [&](const auto& entry) { return entry.second.user == user; });
}

void AuthTokens::Clear() {
  std::lock_guard lock(mu_);
  tokens_.clear();
}

Result<Caller> Authenticator::FromToken(const std::string& token) const {
  if (!store_->enabled() || token.empty()) return Caller{};
  Result<std::string> user = tokens_->Resolve(token);
  if (!user.ok()) return user.status();
  return Caller{std::move(*user), false};
}

Result<Caller> Authenticator::FromGrpc(const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("token");
  if (it != metadata.end()) return FromToken(std::string(it->second.data(), it->second.size()));
  if (!store_->enabled()) return Caller{};
  // Like etcd with --client-cert-auth: without a token, the common name of a
  // verified client certificate names the user. gRPC only reports an
  // authenticated peer when it required and verified that certificate.
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    std::vector<grpc::string_ref> cn = auth->FindPropertyValues("x509_common_name");
    if (!cn.empty() && !cn.front().empty())
      return Caller{std::string(cn.front().data(), cn.front().size()), false};
  }
  return Caller{};
}

}  // namespace strata::api

namespace strata::api {

Status Authenticator::RequireAdmin(const grpc::ServerContextBase& context) const {
  Result<Caller> caller = FromGrpc(context);
  if (!caller.ok()) return caller.status();
  return store_->IsAdmin(caller->user);
}

}  // namespace strata::api
