#include "server/config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

#include "server/member_id.h"
#include "server/version.h"

namespace strata::server {

namespace {

constexpr std::array kFlags = {
    ServerFlag{"name", "default", "Human-readable name for this member."},
    ServerFlag{"data-dir", "./data", "Path to the data directory."},
    ServerFlag{"listen-client-urls", "http://127.0.0.1:2379",
               "Comma-separated URLs to listen on for client traffic."},
    ServerFlag{"advertise-client-urls", "",
               "Comma-separated client URLs to advertise to clients and members "
               "(default: same as --listen-client-urls)."},
    ServerFlag{"listen-peer-urls", "http://127.0.0.1:2380",
               "Comma-separated URLs to listen on for peer traffic."},
    ServerFlag{"initial-advertise-peer-urls", "",
               "Comma-separated peer URLs to advertise to the other members "
               "(default: same as --listen-peer-urls)."},
    ServerFlag{"initial-cluster", "",
               "Bootstrap members, name=peer-url,...; a name may repeat "
               "(default: <name>=<each --initial-advertise-peer-urls>)."},
    ServerFlag{"initial-cluster-state", "new",
               "new to bootstrap a cluster, existing to join a running one."},
    ServerFlag{"initial-cluster-token", "strata-cluster",
               "Cluster token; members and cluster ids are derived from it."},
    ServerFlag{"listen-metrics-urls", "http://127.0.0.1:2381",
               "Comma-separated URLs serving /metrics and /health."},
    ServerFlag{"snapshot-count", "10000", "Applied entries between snapshots."},
    ServerFlag{"quota-backend-bytes", "2147483648",
               "Backend size that raises the NOSPACE alarm, in bytes."},
    ServerFlag{"disk-reserve-bytes", "134217728",
               "Free disk under --data-dir below which writes stop with NOSPACE (0: off)."},
    ServerFlag{"latest-cache-bytes", "67108864",
               "Memory for the newest versions of recently written keys (0: off)."},
    ServerFlag{"max-request-bytes", "1572864", "Largest client request accepted, in bytes."},
    ServerFlag{"heartbeat-interval", "100", "Raft heartbeat interval, in milliseconds."},
    ServerFlag{"election-timeout", "1000",
               "Raft election timeout in milliseconds; at least 5x --heartbeat-interval."},
    ServerFlag{"corrupt-check-interval", "0",
               "Milliseconds between the leader's comparisons of every member's HashKV, "
               "raising CORRUPT on a mismatch (0: off)."},
    ServerFlag{"initial-corrupt-check", "false",
               "Before serving clients, compare this member's HashKV with its peers' and "
               "refuse to start on a mismatch.",
               true},
    ServerFlag{"log-level", "info", "debug, info, warn or error."},
    ServerFlag{"cert-file", "", "Client TLS certificate file."},
    ServerFlag{"key-file", "", "Client TLS key file."},
    ServerFlag{"trusted-ca-file", "", "CA bundle to verify client certificates."},
    ServerFlag{"client-cert-auth", "false", "Require and verify client certificates.", true},
    ServerFlag{"peer-cert-file", "", "Peer TLS certificate file."},
    ServerFlag{"peer-key-file", "", "Peer TLS key file."},
    ServerFlag{"peer-trusted-ca-file", "", "CA bundle to verify peer certificates."},
    ServerFlag{"peer-client-cert-auth", "false", "Require and verify peer certificates.", true},
    ServerFlag{"auth-token-ttl", "300", "Lifetime of simple auth tokens, in seconds."},
    ServerFlag{"experimental-fault-injection", "false",
               "Serve /debug/faults on the metrics URL, to cut peers off (fault tests only).",
               true},
};

// "--flag=value" for error messages.
std::string FlagValue(std::string_view flag, std::string_view value) {
  return "--" + std::string(flag) + "=" + std::string(value);
}

Status Invalid(std::string_view flag, std::string_view value, std::string_view why) {
  return Status::InvalidArgument(FlagValue(flag, value) + ": " + std::string(why));
}

// Looks settings up with their defaults.
class Settings {
 public:
  explicit Settings(const ConfigValues& values) : values_(values) {}

  // The given value, or the flag's default.
  std::string_view Get(std::string_view flag) const {
    auto it = values_.find(flag);
    if (it != values_.end()) return it->second;
    for (const ServerFlag& f : kFlags) {
      if (f.name == flag) return f.default_value;
    }
    STRATA_ASSERT_MSG(false, "unknown flag " + std::string(flag));
    return {};
  }
  // True when the user gave a non-empty value.
  bool Given(std::string_view flag) const {
    auto it = values_.find(flag);
    return it != values_.end() && !it->second.empty();
  }

  Result<uint64_t> Uint(std::string_view flag, uint64_t min, uint64_t max) const {
    std::string_view text = Get(flag);
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec == std::errc::result_out_of_range) {
      return Invalid(
          flag, text,
          "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Invalid(flag, text, "must be a whole number");
    }
    if (v < min || v > max) {
      return Invalid(flag, text,
                     "must be from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
  }

  // Go's strconv.ParseBool spellings, as etcd accepts them.
  Result<bool> Bool(std::string_view flag) const {
    std::string_view text = Get(flag);
    static constexpr std::string_view kTrue[] = {"1", "t", "T", "true", "TRUE", "True"};
    static constexpr std::string_view kFalse[] = {"0", "f", "F", "false", "FALSE", "False"};
    if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) return true;
    if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) return false;
    return Invalid(flag, text, "must be true or false");
  }

  Result<std::vector<Url>> Urls(std::string_view flag) const {
    return ParseUrlList("--" + std::string(flag), Get(flag));
  }

 private:
  const ConfigValues& values_;
};

Result<LogLevel> ParseLogLevel(std::string_view text) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (LogLevelName(l) == text) return l;
  }
  return Invalid("log-level", text, "must be debug, info, warn or error");
}

Result<TlsFiles> ParseTls(const Settings& s, std::string_view prefix) {
  const std::string p(prefix);
  TlsFiles tls;
  tls.cert_file = std::string(s.Get(p + "cert-file"));
  tls.key_file = std::string(s.Get(p + "key-file"));
  tls.trusted_ca_file = std::string(s.Get(p + "trusted-ca-file"));
  Result<bool> auth = s.Bool(p + "client-cert-auth");
  if (!auth.ok()) return auth.status();
  tls.client_cert_auth = *auth;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return tls.cert_file.empty()
               ? Invalid(p + "key-file", tls.key_file, "needs --" + p + "cert-file as well")
               : Invalid(p + "cert-file", tls.cert_file, "needs --" + p + "key-file as well");
  }
  if (tls.client_cert_auth && tls.trusted_ca_file.empty()) {
    return Invalid(p + "client-cert-auth", "true", "needs --" + p + "trusted-ca-file");
  }
  if (tls.client_cert_auth && !tls.enabled()) {
    return Invalid(p + "client-cert-auth", "true",
                   "needs --" + p + "cert-file and --" + p + "key-file");
  }
  return tls;
}

// https URLs need certificates.
Status CheckSchemes(std::string_view flag, const std::vector<Url>& urls, const TlsFiles& tls,
                    std::string_view cert_flag) {
  for (const Url& u : urls) {
    if (u.tls() && !tls.enabled()) {
      return Invalid(flag, u.ToString(),
                     "https needs --" + std::string(cert_flag) + " and its key");
    }
  }
  return Status::Ok();
}

// Advertised URLs must be reachable addresses, not wildcards.
Status CheckAdvertisable(const Settings& s, std::string_view flag, std::string_view from_flag,
                         const std::vector<Url>& urls) {
  for (const Url& u : urls) {
    if (!u.unspecified_host()) continue;
    if (s.Given(flag)) return Invalid(flag, u.ToString(), "cannot advertise a wildcard address");
    return Invalid(
        from_flag, u.ToString(),
        "is a wildcard address; set --" + std::string(flag) + " to the address others should use");
  }
  return Status::Ok();
}

std::vector<std::string> UrlStrings(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const Url& u : urls) out.push_back(u.ToString());
  return out;
}

Status CheckName(std::string_view name) {
  if (name.empty()) return Invalid("name", name, "must not be empty");
  for (char c : name) {
    if (c == ',' || c == '=' || std::isspace(static_cast<unsigned char>(c))) {
      return Invalid("name", name, "must not contain ',', '=' or blanks");
    }
  }
  return Status::Ok();
}

// The member named `name` must list exactly the advertised peer URLs.
Status CheckSelfInCluster(const ServerConfig& c, bool required) {
  auto self = std::find_if(c.initial_cluster.begin(), c.initial_cluster.end(),
                           [&](const InitialMember& m) { return m.name == c.name; });
  std::string cluster_text;
  for (const InitialMember& m : c.initial_cluster) {
    for (const Url& u : m.peer_urls) {
      if (!cluster_text.empty()) cluster_text += ",";
      cluster_text += m.name + "=" + u.ToString();
    }
  }
  if (self == c.initial_cluster.end()) {
    if (!required) return Status::Ok();
    return Invalid("initial-cluster", cluster_text,
                   "has no member named \"" + c.name + "\" (--name)");
  }
  std::set<Url> listed(self->peer_urls.begin(), self->peer_urls.end());
  std::set<Url> advertised(c.initial_advertise_peer_urls.begin(),
                           c.initial_advertise_peer_urls.end());
  if (listed != advertised) {
    return Invalid(
        "initial-cluster", cluster_text,
        "lists " + c.name + "=" + JoinUrls(self->peer_urls) +
            " but --initial-advertise-peer-urls=" + JoinUrls(c.initial_advertise_peer_urls));
  }
  return Status::Ok();
}

Status ComputeIds(ServerConfig* c, bool self_required) {
  std::vector<uint64_t> ids;
  for (const InitialMember& m : c->initial_cluster) {
    uint64_t id = EtcdMemberId(UrlStrings(m.peer_urls), c->initial_cluster_token);
    if (id == 0 || std::find(ids.begin(), ids.end(), id) != ids.end()) {
      // Practically impossible (URLs are unique), but etcd checks it too.
      return Invalid("initial-cluster", m.name, "member id collision; change the URLs or token");
    }
    ids.push_back(id);
    if (m.name == c->name) c->member_id = id;
  }
  STRATA_ASSERT(c->member_id != 0 || !self_required);
  c->cluster_id = EtcdClusterId(ids);
  return Status::Ok();
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

std::span<const ServerFlag> ServerFlags() { return kFlags; }

std::string ServerVersionText() {
  return "strata-server " + std::string(kStrataVersion) +
         "\netcd API: " + std::string(kEtcdApiVersion) + "\n";
}

Result<ServerConfig> BuildServerConfig(const ConfigValues& values) {
  for (const auto& [key, value] : values) {
    bool known = std::any_of(kFlags.begin(), kFlags.end(),
                             [&](const ServerFlag& f) { return f.name == key; });
    if (!known) return Invalid(key, value, "unknown setting");
  }
  const Settings s(values);
  ServerConfig c;

  c.name = std::string(s.Get("name"));
  STRATA_RETURN_IF_ERROR(CheckName(c.name));
  c.data_dir = std::string(s.Get("data-dir"));
  if (c.data_dir.empty()) return Invalid("data-dir", c.data_dir, "must not be empty");

  auto assign_urls = [&](std::string_view flag, std::vector<Url>* out) -> Status {
    Result<std::vector<Url>> urls = s.Urls(flag);
    if (!urls.ok()) return urls.status();
    *out = std::move(urls).value();
    return Status::Ok();
  };
  STRATA_RETURN_IF_ERROR(assign_urls("listen-client-urls", &c.listen_client_urls));
  if (s.Given("advertise-client-urls")) {
    STRATA_RETURN_IF_ERROR(assign_urls("advertise-client-urls", &c.advertise_client_urls));
  } else {
    c.advertise_client_urls = c.listen_client_urls;
  }
  STRATA_RETURN_IF_ERROR(assign_urls("listen-peer-urls", &c.listen_peer_urls));
  if (s.Given("initial-advertise-peer-urls")) {
    STRATA_RETURN_IF_ERROR(
        assign_urls("initial-advertise-peer-urls", &c.initial_advertise_peer_urls));
  } else {
    c.initial_advertise_peer_urls = c.listen_peer_urls;
  }
  STRATA_RETURN_IF_ERROR(assign_urls("listen-metrics-urls", &c.listen_metrics_urls));

  std::string_view state = s.Get("initial-cluster-state");
  if (state == "new") {
    c.initial_cluster_state = ClusterState::kNew;
  } else if (state == "existing") {
    c.initial_cluster_state = ClusterState::kExisting;
  } else {
    return Invalid("initial-cluster-state", state, "must be new or existing");
  }
  c.initial_cluster_token = std::string(s.Get("initial-cluster-token"));
  if (c.initial_cluster_token.empty()) {
    return Invalid("initial-cluster-token", "", "must not be empty");
  }
  if (s.Given("initial-cluster")) {
    Result<std::vector<InitialMember>> members =
        ParseInitialCluster("--initial-cluster", s.Get("initial-cluster"));
    if (!members.ok()) return members.status();
    c.initial_cluster = std::move(members).value();
  } else {
    c.initial_cluster = {InitialMember{c.name, c.initial_advertise_peer_urls}};
  }

  constexpr uint64_t kMaxU32 = UINT32_MAX;
  constexpr uint64_t kMaxI64 = INT64_MAX;
  auto assign_uint = [&](std::string_view flag, uint64_t min, uint64_t max, auto* out) -> Status {
    Result<uint64_t> v = s.Uint(flag, min, max);
    if (!v.ok()) return v.status();
    *out = static_cast<std::remove_reference_t<decltype(*out)>>(*v);
    return Status::Ok();
  };
  STRATA_RETURN_IF_ERROR(assign_uint("snapshot-count", 1, kMaxI64, &c.snapshot_count));
  // etcd keeps the quota in an int64; 0 there means "default", here we want it explicit.
  STRATA_RETURN_IF_ERROR(assign_uint("quota-backend-bytes", 1, kMaxI64, &c.quota_backend_bytes));
  STRATA_RETURN_IF_ERROR(assign_uint("disk-reserve-bytes", 0, kMaxI64, &c.disk_reserve_bytes));
  STRATA_RETURN_IF_ERROR(assign_uint("latest-cache-bytes", 0, kMaxI64, &c.latest_cache_bytes));
  STRATA_RETURN_IF_ERROR(assign_uint("max-request-bytes", 1, kMaxU32, &c.max_request_bytes));
  STRATA_RETURN_IF_ERROR(assign_uint("heartbeat-interval", 1, kMaxU32, &c.heartbeat_interval_ms));
  // etcd's maxElectionMs.
  STRATA_RETURN_IF_ERROR(assign_uint("election-timeout", 1, 50000, &c.election_timeout_ms));
  STRATA_RETURN_IF_ERROR(
      assign_uint("corrupt-check-interval", 0, kMaxU32, &c.corrupt_check_interval_ms));
  if (uint64_t{c.election_timeout_ms} < 5 * uint64_t{c.heartbeat_interval_ms}) {
    return Invalid("election-timeout", s.Get("election-timeout"),
                   "must be at least 5 x --heartbeat-interval (" +
                       std::to_string(c.heartbeat_interval_ms) + " ms)");
  }
  STRATA_RETURN_IF_ERROR(assign_uint("auth-token-ttl", 1, kMaxU32, &c.auth_token_ttl_s));
  Result<bool> faults = s.Bool("experimental-fault-injection");
  if (!faults.ok()) return faults.status();
  c.fault_injection = *faults;
  Result<bool> initial_check = s.Bool("initial-corrupt-check");
  if (!initial_check.ok()) return initial_check.status();
  c.initial_corrupt_check = *initial_check;

  Result<LogLevel> level = ParseLogLevel(s.Get("log-level"));
  if (!level.ok()) return level.status();
  c.log_level = *level;

  Result<TlsFiles> client_tls = ParseTls(s, "");
  if (!client_tls.ok()) return client_tls.status();
  c.client_tls = std::move(client_tls).value();
  Result<TlsFiles> peer_tls = ParseTls(s, "peer-");
  if (!peer_tls.ok()) return peer_tls.status();
  c.peer_tls = std::move(peer_tls).value();

  STRATA_RETURN_IF_ERROR(
      CheckSchemes("listen-client-urls", c.listen_client_urls, c.client_tls, "cert-file"));
  STRATA_RETURN_IF_ERROR(
      CheckSchemes("advertise-client-urls", c.advertise_client_urls, c.client_tls, "cert-file"));
  STRATA_RETURN_IF_ERROR(
      CheckSchemes("listen-metrics-urls", c.listen_metrics_urls, c.client_tls, "cert-file"));
  STRATA_RETURN_IF_ERROR(
      CheckSchemes("listen-peer-urls", c.listen_peer_urls, c.peer_tls, "peer-cert-file"));
  STRATA_RETURN_IF_ERROR(CheckSchemes("initial-advertise-peer-urls", c.initial_advertise_peer_urls,
                                      c.peer_tls, "peer-cert-file"));
  STRATA_RETURN_IF_ERROR(
      CheckAdvertisable(s, "advertise-client-urls", "listen-client-urls", c.advertise_client_urls));
  STRATA_RETURN_IF_ERROR(CheckAdvertisable(s, "initial-advertise-peer-urls", "listen-peer-urls",
                                           c.initial_advertise_peer_urls));

  const bool self_required = c.initial_cluster_state == ClusterState::kNew;
  STRATA_RETURN_IF_ERROR(CheckSelfInCluster(c, self_required));
  STRATA_RETURN_IF_ERROR(ComputeIds(&c, self_required));
  return c;
}

}  // namespace strata::server
