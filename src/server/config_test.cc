#include "server/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "server/member_id.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;

// Runs ParseServerConfig on "strata-server <args...>".
Result<ServerConfig> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "strata-server");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return ParseServerConfig(static_cast<int>(args.size()), argv.data());
}

// A YAML file that is removed when the test ends.
class TempYaml {
 public:
  explicit TempYaml(const std::string& text) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("strata_config_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
              ".yaml"))
                .string();
    std::ofstream(path_) << text;
  }
  ~TempYaml() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Url U(const char* text) { return ParseUrl("test", text).value(); }

TEST(ServerConfig, Defaults) {
  Result<ServerConfig> c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->action, ServerAction::kServe);
  EXPECT_EQ(c->name, "default");
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->listen_client_urls, std::vector<Url>{U("http://127.0.0.1:2379")});
  EXPECT_EQ(c->advertise_client_urls, c->listen_client_urls);
  EXPECT_EQ(c->listen_peer_urls, std::vector<Url>{U("http://127.0.0.1:2380")});
  EXPECT_EQ(c->initial_advertise_peer_urls, c->listen_peer_urls);
  EXPECT_EQ(c->listen_metrics_urls, std::vector<Url>{U("http://127.0.0.1:2381")});
  ASSERT_EQ(c->initial_cluster.size(), 1u);
  EXPECT_EQ(c->initial_cluster[0].name, "default");
  EXPECT_EQ(c->initial_cluster[0].peer_urls, c->initial_advertise_peer_urls);
  EXPECT_EQ(c->initial_cluster_state, ClusterState::kNew);
  EXPECT_EQ(c->initial_cluster_token, "strata-cluster");
  EXPECT_EQ(c->snapshot_count, 10000u);
  EXPECT_EQ(c->quota_backend_bytes, 2ull << 30);
  EXPECT_EQ(c->latest_cache_bytes, 64ull << 20);
  EXPECT_EQ(c->max_request_bytes, 1572864u);
  EXPECT_EQ(c->heartbeat_interval_ms, 100u);
  EXPECT_EQ(c->election_timeout_ms, 1000u);
  EXPECT_EQ(c->corrupt_check_interval_ms, 0u);
  EXPECT_FALSE(c->initial_corrupt_check);
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
  EXPECT_EQ(c->client_tls, TlsFiles{});
  EXPECT_EQ(c->peer_tls, TlsFiles{});
  EXPECT_EQ(c->auth_token_ttl_s, 300u);
  EXPECT_EQ(c->config_file, "");
  const std::vector<std::string> urls = {"http://127.0.0.1:2380"};
  EXPECT_EQ(c->member_id, EtcdMemberId(urls, "strata-cluster"));
  const std::vector<uint64_t> ids = {c->member_id};
  EXPECT_EQ(c->cluster_id, EtcdClusterId(ids));
}

// The defaults --help shows are the ones applied.
TEST(ServerConfig, DocumentedDefaultsAreTheAppliedOnes) {
  const ServerConfig defaults = Parse({}).value();
  for (const ServerFlag& f : ServerFlags()) {
    if (f.default_value.empty()) continue;
    Result<ServerConfig> c =
        Parse({"--" + std::string(f.name) + "=" + std::string(f.default_value)});
    ASSERT_TRUE(c.ok()) << f.name << ": " << c.status().ToString();
    EXPECT_EQ(*c, defaults) << f.name;
  }
}

TEST(ServerConfig, Flags) {
  Result<ServerConfig> c = Parse({
      "--name",
      "infra0",  // "--flag value" form.
      "--data-dir=/var/lib/strata",
      "--listen-client-urls=http://0.0.0.0:12379",
      "--advertise-client-urls=http://10.0.0.1:12379,http://10.0.0.1:22379",
      "--listen-peer-urls=http://10.0.0.1:12380",
      "--initial-cluster=infra0=http://10.0.0.1:12380,infra1=http://10.0.0.2:12380",
      "--initial-cluster-state=new",
      "--initial-cluster-token=tok",
      "--listen-metrics-urls=http://10.0.0.1:12381",
      "--snapshot-count=5",
      "--quota-backend-bytes=8589934592",
      "--latest-cache-bytes=0",
      "--max-request-bytes=100",
      "--heartbeat-interval=50",
      "--election-timeout=250",
      "--corrupt-check-interval=60000",
      "--initial-corrupt-check",
      "--log-level=debug",
      "--auth-token-ttl=60",
  });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "infra0");
  EXPECT_EQ(c->data_dir, "/var/lib/strata");
  EXPECT_EQ(c->listen_client_urls, std::vector<Url>{U("http://0.0.0.0:12379")});
  EXPECT_EQ(c->advertise_client_urls.size(), 2u);
  EXPECT_EQ(c->initial_advertise_peer_urls, std::vector<Url>{U("http://10.0.0.1:12380")});
  EXPECT_EQ(c->initial_cluster.size(), 2u);
  EXPECT_EQ(c->initial_cluster_token, "tok");
  EXPECT_EQ(c->listen_metrics_urls, std::vector<Url>{U("http://10.0.0.1:12381")});
  EXPECT_EQ(c->snapshot_count, 5u);
  EXPECT_EQ(c->quota_backend_bytes, 8ull << 30);
  EXPECT_EQ(c->latest_cache_bytes, 0u);
  EXPECT_EQ(c->max_request_bytes, 100u);
  EXPECT_EQ(c->heartbeat_interval_ms, 50u);
  EXPECT_EQ(c->election_timeout_ms, 250u);
  EXPECT_EQ(c->corrupt_check_interval_ms, 60000u);
  EXPECT_TRUE(c->initial_corrupt_check);
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_EQ(c->auth_token_ttl_s, 60u);
}

TEST(ServerConfig, GoStyleSingleDashAndLastValueWins) {
  Result<ServerConfig> c = Parse({"-name=a", "-data-dir", "/d", "--name=b"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "b");
  EXPECT_EQ(c->data_dir, "/d");
}

TEST(ServerConfig, TlsFlags) {
  Result<ServerConfig> c = Parse({
      "--listen-client-urls=https://127.0.0.1:2379",
      "--cert-file=c.pem",
      "--key-file=k.pem",
      "--trusted-ca-file=ca.pem",
      "--client-cert-auth",
      "--listen-peer-urls=https://127.0.0.1:2380",
      "--peer-cert-file=pc.pem",
      "--peer-key-file=pk.pem",
      "--peer-trusted-ca-file=pca.pem",
      "--peer-client-cert-auth=true",
  });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_tls, (TlsFiles{"c.pem", "k.pem", "ca.pem", true}));
  EXPECT_EQ(c->peer_tls, (TlsFiles{"pc.pem", "pk.pem", "pca.pem", true}));
  c = Parse({"--cert-file=c.pem", "--key-file=k.pem", "--client-cert-auth=false"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->client_tls.client_cert_auth);
}

TEST(ServerConfig, YamlFileOverriddenByFlags) {
  TempYaml file(R"(# etcd-style config
name: infra1
data-dir: /srv/infra1
listen-client-urls: http://10.0.0.2:2379
listen-peer-urls: https://10.0.0.2:2380
initial-cluster: infra0=https://10.0.0.1:2380,infra1=https://10.0.0.2:2380
initial-cluster-state: new
initial-cluster-token: yaml-token
snapshot-count: 777
heartbeat-interval: 200
election-timeout: 2000
log-level: warn
listen-metrics-urls:
  - http://10.0.0.2:2381
  - http://127.0.0.1:2381
peer-transport-security:
  cert-file: /tls/peer.crt
  key-file: /tls/peer.key
  trusted-ca-file: /tls/ca.crt
  client-cert-auth: true
client-transport-security:
  cert-file:
auth-token-ttl: ~
)");
  Result<ServerConfig> c =
      Parse({"--config", file.path(), "--log-level=error", "--snapshot-count=888"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config_file, file.path());
  EXPECT_EQ(c->name, "infra1");
  EXPECT_EQ(c->data_dir, "/srv/infra1");
  EXPECT_EQ(c->listen_client_urls, std::vector<Url>{U("http://10.0.0.2:2379")});
  EXPECT_EQ(c->initial_cluster.size(), 2u);
  EXPECT_EQ(c->initial_cluster_token, "yaml-token");
  EXPECT_EQ(c->snapshot_count, 888u);         // Flag beats file.
  EXPECT_EQ(c->log_level, LogLevel::kError);  // Flag beats file.
  EXPECT_EQ(c->heartbeat_interval_ms, 200u);
  EXPECT_EQ(c->election_timeout_ms, 2000u);
  EXPECT_EQ(c->listen_metrics_urls.size(), 2u);
  EXPECT_EQ(c->peer_tls, (TlsFiles{"/tls/peer.crt", "/tls/peer.key", "/tls/ca.crt", true}));
  EXPECT_FALSE(c->client_tls.enabled());
  EXPECT_EQ(c->auth_token_ttl_s, 300u);  // Null in the file: default.

  // Equivalent flags alone give the same configuration.
  Result<ServerConfig> flags_only =
      Parse({"--name=infra1", "--data-dir=/srv/infra1", "--listen-client-urls=http://10.0.0.2:2379",
             "--listen-peer-urls=https://10.0.0.2:2380",
             "--initial-cluster=infra0=https://10.0.0.1:2380,infra1=https://10.0.0.2:2380",
             "--initial-cluster-token=yaml-token", "--snapshot-count=888",
             "--heartbeat-interval=200", "--election-timeout=2000", "--log-level=error",
             "--listen-metrics-urls=http://10.0.0.2:2381,http://127.0.0.1:2381",
             "--peer-cert-file=/tls/peer.crt", "--peer-key-file=/tls/peer.key",
             "--peer-trusted-ca-file=/tls/ca.crt", "--peer-client-cert-auth"});
  ASSERT_TRUE(flags_only.ok()) << flags_only.status().ToString();
  flags_only->config_file = file.path();
  EXPECT_EQ(*flags_only, *c);
}

TEST(ServerConfig, YamlFileErrors) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  for (const Case& k : {
           Case{"data_dir: /x\n", "unknown key \"data_dir\""},
           Case{"name: [a, [b]]\n", "nested lists"},
           Case{"name: {a: b}\n", "expected a value"},
           Case{"- a\n- b\n", "expected a map"},
           Case{"name: [a\n", "not valid YAML"},
           Case{"peer-transport-security:\n  auto-tls: true\n",
                "unknown key \"peer-transport-security.auto-tls\""},
           Case{"snapshot-count: lots\n", "--snapshot-count=lots"},
       }) {
    TempYaml file(k.yaml);
    Result<ServerConfig> c = Parse({"--config=" + file.path()});
    ASSERT_FALSE(c.ok()) << k.yaml;
    EXPECT_TRUE(c.status().Is(StatusCode::kInvalidArgument));
    EXPECT_THAT(c.status().message(), HasSubstr(k.message)) << k.yaml;
  }
  Result<ServerConfig> missing = Parse({"--config=/nonexistent/strata.yaml"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("--config=/nonexistent/strata.yaml"));
  TempYaml empty("");
  EXPECT_TRUE(Parse({"--config=" + empty.path()}).ok());
}

TEST(ServerConfig, ValidationErrorsNameTheFlagAndValue) {
  struct Case {
    std::vector<std::string> args;
    std::string message;  // Must appear in the error.
  };
  const std::vector<Case> cases = {
      {{"--election-timeout=400"},
       "--election-timeout=400: must be at least 5 x --heartbeat-interval (100 ms)"},
      {{"--heartbeat-interval=300"},
       "--election-timeout=1000: must be at least 5 x --heartbeat-interval (300 ms)"},
      {{"--election-timeout=60000"}, "--election-timeout=60000: must be from 1 to 50000"},
      {{"--heartbeat-interval=0"}, "--heartbeat-interval=0: must be from 1"},
      {{"--heartbeat-interval=-5"}, "--heartbeat-interval=-5: must be a whole number"},
      {{"--snapshot-count=0"}, "--snapshot-count=0: must be from 1"},
      {{"--snapshot-count=1e6"}, "--snapshot-count=1e6: must be a whole number"},
      {{"--quota-backend-bytes=0"}, "--quota-backend-bytes=0: must be from 1"},
      {{"--quota-backend-bytes=-1"}, "--quota-backend-bytes=-1: must be a whole number"},
      {{"--max-request-bytes=0"}, "--max-request-bytes=0: must be from 1"},
      {{"--max-request-bytes=99999999999999999999999"},
       "--max-request-bytes=99999999999999999999999"},
      {{"--auth-token-ttl=0"}, "--auth-token-ttl=0: must be from 1"},
      {{"--log-level=verbose"}, "--log-level=verbose: must be debug, info, warn or error"},
      {{"--initial-cluster-state=joining"},
       "--initial-cluster-state=joining: must be new or existing"},
      {{"--initial-cluster-token="}, "--initial-cluster-token=: must not be empty"},
      {{"--name="}, "--name=: must not be empty"},
      {{"--name=a,b"}, "--name=a,b: must not contain"},
      {{"--data-dir="}, "--data-dir=: must not be empty"},
      {{"--listen-client-urls=http://127.0.0.1:99999"},
       "--listen-client-urls: bad URL \"http://127.0.0.1:99999\": port must be a number from 1 to "
       "65535"},
      {{"--listen-peer-urls=127.0.0.1:2380"}, "--listen-peer-urls: bad URL \"127.0.0.1:2380\""},
      {{"--listen-metrics-urls=unix://x:1"},
       "--listen-metrics-urls: bad URL \"unix://x:1\": scheme must be http or https"},
      {{"--advertise-client-urls=http://a:1/v3"},
       "--advertise-client-urls: bad URL \"http://a:1/v3\": must not contain a path"},
      {{"--initial-advertise-peer-urls=http://[::1:2380"},
       "--initial-advertise-peer-urls: bad URL"},
      {{"--listen-client-urls="}, "--listen-client-urls: at least one URL is required"},
      {{"--initial-cluster=other=http://127.0.0.1:2380"},
       "--initial-cluster=other=http://127.0.0.1:2380: has no member named \"default\""},
      {{"--initial-cluster=default=http://127.0.0.1:2390"},
       "--initial-cluster=default=http://127.0.0.1:2390: lists default=http://127.0.0.1:2390 but "
       "--initial-advertise-peer-urls=http://127.0.0.1:2380"},
      {{"--initial-cluster=default"}, "--initial-cluster: entry \"default\" is not name=url"},
      {{"--listen-client-urls=http://0.0.0.0:2379"},
       "--listen-client-urls=http://0.0.0.0:2379: is a wildcard address; set "
       "--advertise-client-urls"},
      {{"--advertise-client-urls=http://0.0.0.0:2379"},
       "--advertise-client-urls=http://0.0.0.0:2379: cannot advertise a wildcard address"},
      {{"--listen-peer-urls=http://[::]:2380"},
       "--listen-peer-urls=http://[::]:2380: is a wildcard address; set "
       "--initial-advertise-peer-urls"},
      {{"--listen-client-urls=https://127.0.0.1:2379"},
       "--listen-client-urls=https://127.0.0.1:2379: https needs --cert-file"},
      {{"--listen-peer-urls=https://127.0.0.1:2380"},
       "--listen-peer-urls=https://127.0.0.1:2380: https needs --peer-cert-file"},
      {{"--cert-file=c.pem"}, "--cert-file=c.pem: needs --key-file as well"},
      {{"--peer-key-file=k.pem"}, "--peer-key-file=k.pem: needs --peer-cert-file as well"},
      {{"--cert-file=c", "--key-file=k", "--client-cert-auth"},
       "--client-cert-auth=true: needs --trusted-ca-file"},
      {{"--peer-client-cert-auth", "--peer-trusted-ca-file=ca"},
       "--peer-client-cert-auth=true: needs --peer-cert-file and --peer-key-file"},
      {{"--client-cert-auth=maybe"}, "--client-cert-auth"},
      {{"--no-such-flag=1"}, "--no-such-flag"},
      {{"stray"}, "stray"},
      {{"--name"}, "--name"},
  };
  for (const Case& k : cases) {
    Result<ServerConfig> c = Parse(k.args);
    ASSERT_FALSE(c.ok()) << k.args[0];
    EXPECT_TRUE(c.status().Is(StatusCode::kInvalidArgument)) << k.args[0];
    EXPECT_THAT(c.status().message(), HasSubstr(k.message)) << k.args[0];
  }
}

TEST(ServerConfig, ThreeMemberClusterAgreesOnIds) {
  const std::string cluster =
      "infra0=http://10.0.0.1:2380,infra1=http://10.0.0.2:2380,"
      "infra1=http://10.0.1.2:2380,infra2=http://10.0.0.3:2380";
  std::vector<uint64_t> member_ids;
  std::vector<uint64_t> cluster_ids;
  for (const auto& [name, peers] : std::vector<std::pair<std::string, std::string>>{
           {"infra0", "http://10.0.0.1:2380"},
           {"infra1", "http://10.0.1.2:2380,http://10.0.0.2:2380"},  // Order does not matter.
           {"infra2", "http://10.0.0.3:2380"}}) {
    Result<ServerConfig> c = Parse({"--name=" + name, "--initial-advertise-peer-urls=" + peers,
                                    "--listen-peer-urls=" + peers, "--initial-cluster=" + cluster,
                                    "--initial-cluster-token=etcd-cluster-1"});
    ASSERT_TRUE(c.ok()) << name << ": " << c.status().ToString();
    ASSERT_EQ(c->initial_cluster.size(), 3u);
    EXPECT_EQ(c->initial_cluster[1].peer_urls.size(), 2u);
    member_ids.push_back(c->member_id);
    cluster_ids.push_back(c->cluster_id);
  }
  EXPECT_NE(member_ids[0], member_ids[1]);
  EXPECT_NE(member_ids[1], member_ids[2]);
  EXPECT_EQ(cluster_ids[0], cluster_ids[1]);
  EXPECT_EQ(cluster_ids[1], cluster_ids[2]);
  EXPECT_EQ(cluster_ids[0], EtcdClusterId(member_ids));
  const std::vector<std::string> infra1 = {"http://10.0.0.2:2380", "http://10.0.1.2:2380"};
  EXPECT_EQ(member_ids[1], EtcdMemberId(infra1, "etcd-cluster-1"));
}

TEST(ServerConfig, ExistingClusterMayNotListThisMember) {
  Result<ServerConfig> c =
      Parse({"--initial-cluster-state=existing", "--initial-cluster=other=http://10.0.0.9:2380"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->initial_cluster_state, ClusterState::kExisting);
  EXPECT_EQ(c->member_id, 0u);
  EXPECT_NE(c->cluster_id, 0u);
}

TEST(ServerConfig, HelpListsEveryFlagWithItsDefault) {
  Result<ServerConfig> c = Parse({"--help"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->action, ServerAction::kShowHelp);
  const std::string usage = ServerUsage();
  // One entry per flag: "  --name TEXT   Help. (default: ...)", joining a
  // description that the formatter moved to the next line.
  std::vector<std::string> lines;
  for (size_t start = 0, end; start < usage.size(); start = end + 1) {
    end = usage.find('\n', start);
    if (end == std::string::npos) end = usage.size();
    std::string line = usage.substr(start, end - start);
    if (line.rfind("        ", 0) == 0 && !lines.empty()) {
      lines.back() += line;
    } else {
      lines.push_back(line);
    }
  }
  for (const ServerFlag& f : ServerFlags()) {
    const std::string flag = "  --" + std::string(f.name);
    auto line = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.rfind(flag + " ", 0) == 0 || l == flag;
    });
    ASSERT_NE(line, lines.end()) << f.name << " missing from:\n" << usage;
    const std::string expected = f.default_value.empty()
                                     ? std::string("(default: ")
                                     : "(default: " + std::string(f.default_value) + ")";
    EXPECT_THAT(*line, HasSubstr(expected)) << f.name;
  }
  EXPECT_THAT(usage, HasSubstr("--config"));
  EXPECT_THAT(usage, HasSubstr("--version"));
}

TEST(ServerConfig, Version) {
  Result<ServerConfig> c = Parse({"--version"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->action, ServerAction::kShowVersion);
  EXPECT_THAT(ServerVersionText(), HasSubstr("strata-server "));
}

}  // namespace
}  // namespace strata::server
