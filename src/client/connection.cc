#include "client/connection.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "client/convert.h"

namespace strata::client::internal {
namespace {

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot read the TLS " + std::string(what) + " file " + path);
  }
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

Result<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(const ClientOptions& options) {
  if (!options.tls) return grpc::InsecureChannelCredentials();
  const TlsOptions& tls = *options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key, or neither");
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    auto ca = ReadFile(tls.ca_file, "CA");
    if (!ca.ok()) return ca.error();
    ssl.pem_root_certs = *ca;
  }
  if (!tls.cert_file.empty()) {
    auto cert = ReadFile(tls.cert_file, "certificate");
    if (!cert.ok()) return cert.error();
    auto key = ReadFile(tls.key_file, "key");
    if (!key.ok()) return key.error();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Create(const ClientOptions& options) {
  std::vector<std::string> seeds;
  for (const std::string& e : options.endpoints) {
    std::string target = TargetOf(e);
    if (target.empty()) return Error(ErrorCode::kInvalidArgument, "empty endpoint");
    if (std::find(seeds.begin(), seeds.end(), target) == seeds.end()) seeds.push_back(target);
  }
  if (seeds.empty()) return Error(ErrorCode::kInvalidArgument, "no endpoints given");
  auto creds = MakeCredentials(options);
  if (!creds.ok()) return creds.error();
  grpc::ChannelArguments args;
  // A restarted member is found again within a second.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Like etcd's clients: large ranges must not fail on gRPC's 4 MiB default.
  args.SetMaxReceiveMessageSize(-1);
  if (options.tls && !options.tls->server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls->server_name);
  }
  auto channel_creds = *creds;
  ChannelFactory factory = [channel_creds, args](const std::string& target) {
    return grpc::CreateCustomChannel(target, channel_creds, args);
  };
  return std::make_unique<Connection>(seeds, std::move(factory), options.leader_refresh_interval,
                                      options.discover_members);
}

Connection::Connection(const std::vector<std::string>& seeds, ChannelFactory factory,
                       std::chrono::milliseconds leader_refresh_interval, bool discover_members)
    : factory_(std::move(factory)),
      refresh_interval_(leader_refresh_interval),
      discover_(discover_members) {
  for (const std::string& s : seeds) endpoints_.push_back(MakeEndpoint(s, /*seed=*/true));
}

std::shared_ptr<Endpoint> Connection::MakeEndpoint(const std::string& target, bool seed) const {
  auto ep = std::make_shared<Endpoint>();
  ep->target = target;
  ep->seed = seed;
  ep->channel = factory_(target);
  ep->kv = etcdserverpb::KV::NewStub(ep->channel);
  ep->cluster = etcdserverpb::Cluster::NewStub(ep->channel);
  ep->maintenance = etcdserverpb::Maintenance::NewStub(ep->channel);
  ep->auth = etcdserverpb::Auth::NewStub(ep->channel);
  ep->lease = etcdserverpb::Lease::NewStub(ep->channel);
  ep->watch = etcdserverpb::Watch::NewStub(ep->channel);
  ep->lock = v3lockpb::Lock::NewStub(ep->channel);
  return ep;
}

std::shared_ptr<Endpoint> Connection::Pick(Route route) {
  std::lock_guard lock(mu_);
  if (route == Route::kLeader && leader_) return leader_;
  return endpoints_[current_ % endpoints_.size()];
}

void Connection::ReportFailure(const std::shared_ptr<Endpoint>& ep) {
  std::lock_guard lock(mu_);
  // An unroutable leader is forgotten on any failure, so that it is looked
  // up again and the failure may turn out to be a change of leader.
  if (!leader_ || leader_->target == ep->target) {
    leader_.reset();
    leader_id_ = 0;
  }
  if (endpoints_[current_ % endpoints_.size()]->target == ep->target) {
    current_ = (current_ + 1) % endpoints_.size();
  }
}

bool Connection::BeginLeaderRefresh() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  const bool recent = last_refresh_ != std::chrono::steady_clock::time_point{} &&
                      now - last_refresh_ < refresh_interval_;
  if (leader_id_ != 0 || refreshing_ || recent) return false;
  refreshing_ = true;
  last_refresh_ = now;
  return true;
}

void Connection::EndLeaderRefresh() {
  std::lock_guard lock(mu_);
  refreshing_ = false;
  last_refresh_ = std::chrono::steady_clock::now();
}

void Connection::ObserveTerm(uint64_t term) {
  std::lock_guard lock(mu_);
  if (leader_id_ != 0 && term > leader_term_) {
    leader_id_ = 0;
    leader_.reset();
  }
}

void Connection::Update(const std::vector<MemberAddress>& members, uint64_t leader_id,
                        uint64_t term) {
  std::lock_guard lock(mu_);
  const std::string current = endpoints_[current_ % endpoints_.size()]->target;
  std::vector<std::string> listed;
  for (const MemberAddress& m : members) {
    for (const std::string& t : m.targets) listed.push_back(t);
  }
  auto known = [&](const std::string& t) {
    return std::any_of(endpoints_.begin(), endpoints_.end(),
                       [&](const auto& e) { return e->target == t; });
  };
  if (discover_ && !listed.empty()) {
    std::erase_if(endpoints_, [&](const std::shared_ptr<Endpoint>& e) {
      return !e->seed && std::find(listed.begin(), listed.end(), e->target) == listed.end();
    });
    for (const std::string& t : listed) {
      if (!known(t)) endpoints_.push_back(MakeEndpoint(t, /*seed=*/false));
    }
  }
  current_ = 0;
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    if (endpoints_[i]->target == current) current_ = i;
  }
  leader_id_ = leader_id;
  leader_term_ = term;
  leader_.reset();
  for (const MemberAddress& m : members) {
    if (m.id != leader_id || leader_id == 0) continue;
    for (const std::string& t : m.targets) {
      for (const auto& e : endpoints_) {
        if (!leader_ && e->target == t) leader_ = e;
      }
    }
  }
}

std::shared_ptr<Endpoint> Connection::ForTarget(const std::string& target) {
  std::lock_guard lock(mu_);
  for (const auto& e : endpoints_) {
    if (e->target == target) return e;
  }
  return MakeEndpoint(target, /*seed=*/false);
}

std::vector<std::string> Connection::Targets() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : endpoints_) out.push_back(e->target);
  return out;
}

std::string Connection::LeaderTarget() const {
  std::lock_guard lock(mu_);
  return leader_ ? leader_->target : "";
}

}  // namespace strata::client::internal
