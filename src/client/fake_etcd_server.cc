#include "client/fake_etcd_server.h"

#include <set>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace strata::client::testing {

struct FakeEtcdServer::State {
  mutable std::mutex mu;
  std::map<std::string, std::deque<grpc::Status>> failures;
  std::map<std::string, int> calls;
  std::map<std::string, std::string> data;
  int64_t revision = 1;
  bool auth = false;
  std::string user, password;
  std::set<std::string> valid_tokens;
  int tokens_issued = 0;
  std::string target;
  std::map<uint64_t, std::string> members;  // Empty: {1: target}.
  uint64_t leader = 1;

  // Counts the call; the injected failure or the auth check's verdict.
  grpc::Status Enter(const std::string& method, grpc::ServerContext* ctx, bool needs_token) {
    std::lock_guard lock(mu);
    ++calls[method];
    auto& queue = failures[method];
    if (!queue.empty()) {
      grpc::Status s = queue.front();
      queue.pop_front();
      return s;
    }
    return needs_token ? CheckTokenLocked(ctx) : grpc::Status::OK;
  }
  grpc::Status CheckToken(grpc::ServerContext* ctx) {
    std::lock_guard lock(mu);
    return CheckTokenLocked(ctx);
  }
  grpc::Status CheckTokenLocked(grpc::ServerContext* ctx) {
    if (!auth) return grpc::Status::OK;
    auto it = ctx->client_metadata().find("token");
    if (it == ctx->client_metadata().end()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: user name is empty"};
    }
    if (!valid_tokens.contains(std::string(it->second.data(), it->second.size()))) {
      return {grpc::StatusCode::UNAUTHENTICATED, "etcdserver: invalid auth token"};
    }
    return grpc::Status::OK;
  }
  void Header(etcdserverpb::ResponseHeader* h) const {
    h->set_cluster_id(7);
    h->set_member_id(1);
    h->set_revision(revision);
  }
};

namespace {

using State = FakeEtcdServer::State;

class Kv final : public etcdserverpb::KV::Service {
 public:
  explicit Kv(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status Range(grpc::ServerContext* ctx, const etcdserverpb::RangeRequest* req,
                     etcdserverpb::RangeResponse* resp) override {
    if (auto st = s_->Enter("Range", ctx, true); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    s_->Header(resp->mutable_header());
    if (auto it = s_->data.find(req->key()); it != s_->data.end()) {
      auto* kv = resp->add_kvs();
      kv->set_key(it->first);
      kv->set_value(it->second);
      kv->set_version(1);
    }
    return grpc::Status::OK;
  }
  grpc::Status Put(grpc::ServerContext* ctx, const etcdserverpb::PutRequest* req,
                   etcdserverpb::PutResponse* resp) override {
    if (auto st = s_->Enter("Put", ctx, true); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    s_->data[req->key()] = req->value();
    ++s_->revision;
    s_->Header(resp->mutable_header());
    return grpc::Status::OK;
  }
  grpc::Status DeleteRange(grpc::ServerContext* ctx, const etcdserverpb::DeleteRangeRequest* req,
                           etcdserverpb::DeleteRangeResponse* resp) override {
    if (auto st = s_->Enter("DeleteRange", ctx, true); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    resp->set_deleted(static_cast<int64_t>(s_->data.erase(req->key())));
    s_->Header(resp->mutable_header());
    return grpc::Status::OK;
  }
  grpc::Status Txn(grpc::ServerContext* ctx, const etcdserverpb::TxnRequest*,
                   etcdserverpb::TxnResponse* resp) override {
    if (auto st = s_->Enter("Txn", ctx, true); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    s_->Header(resp->mutable_header());
    resp->set_succeeded(true);
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<State> s_;
};

class Auth final : public etcdserverpb::Auth::Service {
 public:
  explicit Auth(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status Authenticate(grpc::ServerContext* ctx, const etcdserverpb::AuthenticateRequest* req,
                            etcdserverpb::AuthenticateResponse* resp) override {
    if (auto st = s_->Enter("Authenticate", ctx, false); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    if (!s_->auth) {
      return {grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: authentication is not enabled"};
    }
    if (req->name() != s_->user || req->password() != s_->password) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "etcdserver: authentication failed, invalid user ID or password"};
    }
    std::string token = "token-" + std::to_string(++s_->tokens_issued);
    s_->valid_tokens.insert(token);
    s_->Header(resp->mutable_header());
    resp->set_token(token);
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<State> s_;
};

class Cluster final : public etcdserverpb::Cluster::Service {
 public:
  explicit Cluster(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status MemberList(grpc::ServerContext* ctx, const etcdserverpb::MemberListRequest*,
                          etcdserverpb::MemberListResponse* resp) override {
    if (auto st = s_->Enter("MemberList", ctx, false); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    s_->Header(resp->mutable_header());
    auto members = s_->members;
    if (members.empty()) members[1] = s_->target;
    for (const auto& [id, target] : members) {
      auto* m = resp->add_members();
      m->set_id(id);
      m->set_name("fake" + std::to_string(id));
      m->add_clienturls("http://" + target);
    }
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<State> s_;
};

class Maintenance final : public etcdserverpb::Maintenance::Service {
 public:
  explicit Maintenance(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status Status(grpc::ServerContext* ctx, const etcdserverpb::StatusRequest*,
                      etcdserverpb::StatusResponse* resp) override {
    if (auto st = s_->Enter("Status", ctx, false); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    s_->Header(resp->mutable_header());
    resp->set_leader(s_->leader);
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<State> s_;
};

// Leases that never expire: LeaseGrant answers id 42; the keep-alive stream
// answers each request and ends with "invalid auth token" as soon as the
// token it was opened with expires (checked per message).
class Lease final : public etcdserverpb::Lease::Service {
 public:
  explicit Lease(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status LeaseGrant(grpc::ServerContext* ctx, const etcdserverpb::LeaseGrantRequest* req,
                          etcdserverpb::LeaseGrantResponse* resp) override {
    if (auto st = s_->Enter("LeaseGrant", ctx, true); !st.ok()) return st;
    std::lock_guard lock(s_->mu);
    s_->Header(resp->mutable_header());
    resp->set_id(42);
    resp->set_ttl(req->ttl());
    return grpc::Status::OK;
  }
  grpc::Status LeaseKeepAlive(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse,
                               etcdserverpb::LeaseKeepAliveRequest>* stream) override {
    if (auto st = s_->Enter("LeaseKeepAlive", ctx, true); !st.ok()) return st;
    etcdserverpb::LeaseKeepAliveRequest req;
    while (stream->Read(&req)) {
      if (auto st = s_->CheckToken(ctx); !st.ok()) return st;
      etcdserverpb::LeaseKeepAliveResponse resp;
      {
        std::lock_guard lock(s_->mu);
        s_->Header(resp.mutable_header());
      }
      resp.set_id(req.id());
      resp.set_ttl(5);
      if (!stream->Write(resp)) break;
    }
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<State> s_;
};

}  // namespace

FakeEtcdServer::FakeEtcdServer(std::shared_ptr<grpc::ServerCredentials> credentials)
    : state_(std::make_shared<State>()) {
  services_.push_back(std::make_unique<Kv>(state_));
  services_.push_back(std::make_unique<Auth>(state_));
  services_.push_back(std::make_unique<Cluster>(state_));
  services_.push_back(std::make_unique<Maintenance>(state_));
  services_.push_back(std::make_unique<Lease>(state_));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port);
  for (auto& s : services_) builder.RegisterService(s.get());
  server_ = builder.BuildAndStart();
  target_ = "127.0.0.1:" + std::to_string(port);
  state_->target = target_;
}

FakeEtcdServer::~FakeEtcdServer() { server_->Shutdown(); }

void FakeEtcdServer::FailNext(const std::string& method, grpc::Status status, int times) {
  std::lock_guard lock(state_->mu);
  for (int i = 0; i < times; ++i) state_->failures[method].push_back(status);
}

int FakeEtcdServer::calls(const std::string& method) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->calls.find(method);
  return it == state_->calls.end() ? 0 : it->second;
}

void FakeEtcdServer::RequireAuth(std::string user, std::string password) {
  std::lock_guard lock(state_->mu);
  state_->auth = true;
  state_->user = std::move(user);
  state_->password = std::move(password);
}

void FakeEtcdServer::ExpireTokens() {
  std::lock_guard lock(state_->mu);
  state_->valid_tokens.clear();
}

void FakeEtcdServer::SetMembers(std::map<uint64_t, std::string> members, uint64_t leader) {
  std::lock_guard lock(state_->mu);
  state_->members = std::move(members);
  state_->leader = leader;
}

int FakeEtcdServer::tokens_issued() const {
  std::lock_guard lock(state_->mu);
  return state_->tokens_issued;
}

}  // namespace strata::client::testing
