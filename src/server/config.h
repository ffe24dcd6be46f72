// strata-server configuration: etcd's flag names, or a YAML file with etcd's
// config-file keys, plus the checks etcd applies at startup.
//
// Precedence: built-in defaults < YAML file (--config) < command-line flags.
// Three defaults are derived from other settings after merging:
// --advertise-client-urls defaults to --listen-client-urls,
// --initial-advertise-peer-urls to --listen-peer-urls, and --initial-cluster
// to "<name>=<each initial advertise peer URL>".
//
// Every error is Status::InvalidArgument with a message that names the flag
// and the offending value, e.g.
//   "--election-timeout=300: must be at least 5 x --heartbeat-interval (100 ms)".
//
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "server/url.h"

namespace strata::server {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError };
std::string_view LogLevelName(LogLevel level);

enum class ClusterState : uint8_t {
  kNew,       // Bootstrap a new cluster from --initial-cluster.
  kExisting,  // Join a running cluster that already lists this member.
};

// Certificates for one side (clients or peers). Empty paths mean plain TCP.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;    // CA bundle used to verify the other side.
  bool client_cert_auth = false;  // Require and verify the other side's certificate.

  bool enabled() const { return !cert_file.empty(); }
  bool operator==(const TlsFiles&) const = default;
};

// What the process should do after parsing the command line.
enum class ServerAction : uint8_t {
  kServe,
  kShowHelp,     // --help: print ServerUsage() and exit 0.
  kShowVersion,  // --version: print ServerVersionText() and exit 0.
};

struct ServerConfig {
  ServerAction action = ServerAction::kServe;
  std::string config_file;  // --config / --config-file; empty if none.

  // Human-readable member name, unique in the cluster. Default: "default".
  std::string name;
  // Where the node keeps its data. Default: "./data".
  std::string data_dir;

  // Default: http://127.0.0.1:2379.
  std::vector<Url> listen_client_urls;
  // Client URLs announced to the cluster and clients. Default: listen_client_urls.
  std::vector<Url> advertise_client_urls;
  // Default: http://127.0.0.1:2380.
  std::vector<Url> listen_peer_urls;
  // Peer URLs announced to the other members. Default: listen_peer_urls.
  std::vector<Url> initial_advertise_peer_urls;
  // /metrics and /health. Default: http://127.0.0.1:2381.
  std::vector<Url> listen_metrics_urls;

  // Bootstrap membership. Default: this member alone, at its advertise peer URLs.
  std::vector<InitialMember> initial_cluster;
  // Default: kNew.
  ClusterState initial_cluster_state = ClusterState::kNew;
  // Distinguishes clusters bootstrapped from the same URLs. Default: "strata-cluster".
  std::string initial_cluster_token;

  // Applied entries between snapshots. Default: 10000.
  uint64_t snapshot_count = 0;
  // Space quota of the backend, raising NOSPACE when exceeded. Default: 2 GiB.
  uint64_t quota_backend_bytes = 0;
  // Free space under the data directory below which writes stop with the
  // NOSPACE alarm, before the disk fills (0: no check). Default: 128 MiB.
  uint64_t disk_reserve_bytes = 0;
  // Memory for the newest versions of recently written keys, which spares a
  // put the read of the version it replaces (kv::MvccOptions). Default: 64 MiB.
  uint64_t latest_cache_bytes = 0;
  // Largest client request accepted. Default: 1.5 MiB (1572864).
  uint64_t max_request_bytes = 0;
  // Raft heartbeat period. Default: 100.
  uint32_t heartbeat_interval_ms = 0;
  // Raft election timeout; at least 5x the heartbeat, at most 50000. Default: 1000.
  uint32_t election_timeout_ms = 0;
  // Period of the leader's consistency check (etcd's
  // --experimental-corrupt-check-time; api::CorruptionChecker). 0: off, the default.
  uint32_t corrupt_check_interval_ms = 0;
  // Compare HashKV with the peers before serving clients, and refuse to
  // start on a mismatch (etcd's --experimental-initial-corrupt-check).
  bool initial_corrupt_check = false;
  // Default: kInfo.
  LogLevel log_level = LogLevel::kInfo;

  TlsFiles client_tls;  // --cert-file, --key-file, --trusted-ca-file, --client-cert-auth.
  TlsFiles peer_tls;    // The same flags with a peer- prefix.
  // Lifetime of simple auth tokens. Default: 300.
  uint32_t auth_token_ttl_s = 0;
  // --experimental-fault-injection: serve /debug/faults (fault tests only).
  bool fault_injection = false;

  // Derived, etcd-style (see server/member_id.h). For kNew these are the ids
  // the cluster will have. For kExisting the running cluster is authoritative;
  // these are computed the same way from --initial-cluster (0 if this member
  // is not listed there) and must be checked against the cluster on join.
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;

  bool operator==(const ServerConfig&) const = default;
};

// Raw settings by flag name without dashes ("listen-client-urls" -> text),
// as read from flags or a config file, before defaults and validation.
using ConfigValues = std::map<std::string, std::string, std::less<>>;

// One setting, as --help shows it and as the YAML file names it.
struct ServerFlag {
  std::string_view name;           // Flag "--<name>"; YAML key "<name>".
  std::string_view default_value;  // As it would be written on the command line.
  std::string_view help;           // One line; how derived defaults are derived.
  bool is_bool = false;            // A switch: "--name" means true.
};

// Every setting, in --help order (not including --config, --help, --version).
std::span<const ServerFlag> ServerFlags();

// Parses the command line (and the YAML file it names), applies defaults,
// validates and derives ids. Accepts "--flag value", "--flag=value" and
// Go-style "-flag"; a repeated flag takes its last value, as in etcd.
// --help and --version succeed with `action` set and nothing else filled in.
Result<ServerConfig> ParseServerConfig(int argc, char** argv);

// The --help text: every flag with its default.
std::string ServerUsage();
// The --version text.
std::string ServerVersionText();

// Reads a YAML config file with etcd's keys (the flag names; TLS may also be
// given in etcd's nested client-transport-security / peer-transport-security
// maps). Scalars are taken as text, sequences are joined with commas, null
// values are skipped. Unknown keys are errors, to catch typos.
Result<ConfigValues> LoadConfigFile(const std::string& path);

// Applies defaults to `values` (missing keys), parses, validates and derives
// the ids. Unknown keys are errors.
Result<ServerConfig> BuildServerConfig(const ConfigValues& values);

}  // namespace strata::server
