// An in-process stand-in for an etcd member on 127.0.0.1, for tests of the
// client's wire behaviour: failures injected per method, call counts, and
// etcd's token authentication (tokens can be expired at will). Its KV is a
// plain map: Range of single keys, Put, DeleteRange, and Txn that always
// succeeds with empty responses. Leases: LeaseGrant (id 42) and a
// keep-alive stream that checks the token on every message.
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace strata::client::testing {

class FakeEtcdServer {
 public:
  explicit FakeEtcdServer(
      std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials());
  ~FakeEtcdServer();

  // "127.0.0.1:port".
  const std::string& target() const { return target_; }

  // The next `times` calls of method ("Range", "Put", "DeleteRange", "Txn",
  // "Authenticate", "MemberList", "Status", "LeaseGrant", "LeaseKeepAlive")
  // fail with status.
  void FailNext(const std::string& method, grpc::Status status, int times = 1);
  // Calls of method so far (failed ones included).
  int calls(const std::string& method) const;

  // From now on KV calls need the token of a successful Authenticate as
  // user/password; other tokens get "etcdserver: invalid auth token".
  void RequireAuth(std::string user, std::string password);
  // Every token issued so far becomes invalid.
  void ExpireTokens();
  int tokens_issued() const;

  // What MemberList and Status report: members (id -> client target) and
  // the leader. Default: this server alone, member 1, leading.
  void SetMembers(std::map<uint64_t, std::string> members, uint64_t leader);

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
};

}  // namespace strata::client::testing
