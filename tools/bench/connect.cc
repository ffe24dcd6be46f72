#include "connect.h"

#include <fstream>
#include <set>
#include <sstream>

namespace strata::bench {

namespace {

Result<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(flag + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const Options& o) {
  if (!o.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!o.cacert.empty()) {
    Result<std::string> ca = ReadFile("--cacert", o.cacert);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!o.cert.empty()) {
    Result<std::string> cert = ReadFile("--cert", o.cert);
    if (!cert.ok()) return cert.status();
    Result<std::string> key = ReadFile("--key", o.key);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

Result<std::vector<Connection>> Connect(const Options& o, int count,
                                        std::chrono::milliseconds wait) {
  Result<std::shared_ptr<grpc::ChannelCredentials>> creds = Credentials(o);
  if (!creds.ok()) return creds.status();
  std::vector<Connection> out;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Without these, channels with equal arguments share one subchannel,
    // that is one TCP connection, whatever --connections says.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("strata.bench.channel_index", i);
    args.SetMaxReceiveMessageSize(64 << 20);
    const std::string& ep = o.endpoints[i % o.endpoints.size()];
    auto channel = grpc::CreateCustomChannel(ep, *creds, args);
    out.push_back({ep, channel, etcdserverpb::KV::NewStub(channel)});
  }
  // Endpoints that get no channel (fewer connections than endpoints) are
  // probed too: a typo in --endpoints should not go unnoticed.
  std::vector<std::pair<std::string, std::shared_ptr<grpc::Channel>>> probes;
  for (const Connection& c : out) probes.emplace_back(c.endpoint, c.channel);
  for (size_t i = out.size(); i < o.endpoints.size(); ++i) {
    probes.emplace_back(o.endpoints[i], grpc::CreateChannel(o.endpoints[i], *creds));
  }
  auto deadline = std::chrono::system_clock::now() + wait;
  std::set<std::string> down;
  for (auto& [endpoint, channel] : probes) {
    if (!channel->WaitForConnected(deadline)) down.insert(endpoint);
  }
  if (!down.empty()) {
    std::string names;
    for (const std::string& ep : down) names += (names.empty() ? "" : ", ") + ep;
    return Status::Unavailable("cannot connect to " + names + " within " +
                               std::to_string(wait.count()) + " ms");
  }
  return out;
}

}  // namespace strata::bench
