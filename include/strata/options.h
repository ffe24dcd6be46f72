// How a Client connects: endpoints, TLS, credentials, retries, deadlines.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace strata::client {

// TLS towards the members (grpc::SslCredentials). Files hold PEM.
struct TlsOptions {
  // CA bundle that signs the members' certificates. Empty: the system roots.
  std::string ca_file{};
  // Client certificate and key, for members that require them. Both or neither.
  std::string cert_file{};
  std::string key_file{};
  // Name to check the members' certificates against instead of the host in
  // the endpoint. Empty: the endpoint's host.
  std::string server_name{};
};

// etcd's username/password authentication (Auth.Authenticate).
struct Credentials {
  std::string username{};
  std::string password{};
};

// Exponential back-off with jitter between attempts of one call.
struct RetryPolicy {
  // Attempts per call, the first included. Default: 8.
  int max_attempts = 8;
  // Back-off before the second attempt; doubles each time. Default: 25 ms.
  std::chrono::milliseconds initial_backoff{25};
  // Cap of one back-off. Default: 1 s.
  std::chrono::milliseconds max_backoff{1000};
  // Deadline of one attempt, so that a read stuck on a hung member moves on
  // to another. 0: only the call's deadline. Writes whose attempt times out
  // have an unknown outcome (see WriteOptions). Default: 0.
  std::chrono::milliseconds attempt_timeout{0};
};

struct ClientOptions {
  // "host:port", "http://host:port" or "https://host:port". At least one.
  std::vector<std::string> endpoints{};
  // Learn the other members' client URLs (Cluster.MemberList) and use them
  // too; follows membership changes. Default: true.
  bool discover_members = true;
  // TLS for every endpoint when set; plaintext otherwise.
  std::optional<TlsOptions> tls{};
  // Authenticate and send the token with every request when set.
  std::optional<Credentials> credentials{};
  RetryPolicy retry{};
  // Deadline of a call whose options leave it 0. Default: 5 s.
  std::chrono::milliseconds default_timeout{5000};
  // How long Connect waits for a first member to answer. Default: 5 s.
  std::chrono::milliseconds connect_timeout{5000};
  // Least time between two leader look-ups (Maintenance.Status) after the
  // leader became unknown. Default: 250 ms.
  std::chrono::milliseconds leader_refresh_interval{250};
  // Threads that run the *_async calls; more calls wait in a queue.
  // Default: 4.
  int async_threads = 4;
  // Queued async calls beyond which new ones fail with kResourceExhausted.
  // Default: 10000.
  int max_queued_async = 10000;
  // etcd's --max-txn-ops of the cluster: most operations in one Txn. The
  // client splits batches by it. Default: 128 (etcd's default).
  int max_txn_ops = 128;
};

}  // namespace strata::client
