// etcdctl (Debian's etcd-client, API v3) against a real 3-member Strata
// cluster, in plain TCP and with TLS everywhere (client certificates
// required): watch (history, prefixes, across leader changes), leases
// (grant, keep-alive, time-to-live, revoke, expiry, across a leader kill)
// and auth (users, roles, permissions, enable and disable).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;

// The parameter: TLS on or off. One cluster per parameter, for the suite.
class EtcdctlApiTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto& cluster = clusters_[GetParam()];
    if (!cluster) {
      cluster = std::make_unique<Cluster>(3, GetParam());
      ASSERT_TRUE(cluster->StartAll()) << cluster->LogTail(0);
    }
    cluster_ = cluster.get();
  }
  static void TearDownTestSuite() {
    clusters_.clear();
    cluster_ = nullptr;
  }
  static CommandResult Ctl(const std::vector<std::string>& args, std::vector<int> members = {}) {
    return cluster_->Etcdctl(args, "", std::move(members));
  }
  static void Put(const std::string& key, const std::string& value,
                  std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"put", key, value};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Ctl(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The revision a put got.
  static long PutRevision(const std::string& key, const std::string& value) {
    auto r = Ctl({"put", key, value, "-w", "json"});
    std::smatch m;
    EXPECT_TRUE(std::regex_search(r.out, m, std::regex("\"revision\":(\\d+)"))) << r.out << r.err;
    return m.size() > 1 ? std::stol(m[1]) : -1;
  }
  // A new lease with this TTL; its id in hex as etcdctl prints it.
  static std::string Grant(int ttl_seconds) {
    auto r = Ctl({"lease", "grant", std::to_string(ttl_seconds)});
    std::smatch m;
    EXPECT_TRUE(std::regex_search(r.out, m, std::regex("lease ([0-9a-f]+) granted"))) << r.err;
    return m.size() > 1 ? m[1].str() : "";
  }
  static std::map<bool, std::unique_ptr<Cluster>> clusters_;
  static Cluster* cluster_;
};

std::map<bool, std::unique_ptr<Cluster>> EtcdctlApiTest::clusters_;
Cluster* EtcdctlApiTest::cluster_ = nullptr;

TEST_P(EtcdctlApiTest, WatchReplaysHistoryFromARevisionThenFollows) {
  long first = PutRevision("watch/h", "v1");
  Put("watch/h", "v2");
  Put("watch/h", "v3");
  Background watch(cluster_->EtcdctlArgv({"watch", "watch/h", "--rev=" + std::to_string(first)}));
  ASSERT_TRUE(watch.WaitForOutput("PUT\nwatch/h\nv3\n")) << watch.output();
  Put("watch/h", "v4");
  ASSERT_TRUE(watch.WaitForOutput("v4\n")) << watch.output();
  EXPECT_EQ(watch.output(),
            "PUT\nwatch/h\nv1\nPUT\nwatch/h\nv2\nPUT\nwatch/h\nv3\nPUT\nwatch/h\nv4\n");
}

TEST_P(EtcdctlApiTest, PrefixWatchOnOneMemberSeesWritesThroughAnother) {
  Background watch(cluster_->EtcdctlArgv({"watch", "--prefix", "watch/p/", "--prev-kv"}, {1}));
  // The watch is in place once an event made after it started arrives.
  ASSERT_TRUE(WaitFor([&] {
    Ctl({"put", "watch/p/probe", "x"}, {2});
    return watch.output().find("watch/p/probe") != std::string::npos;
  }));
  ASSERT_EQ(Ctl({"put", "watch/q/outside", "1"}, {2}).exit_code, 0);
  ASSERT_EQ(Ctl({"put", "watch/p/a", "1"}, {2}).exit_code, 0);
  ASSERT_EQ(Ctl({"del", "watch/p/a"}, {0}).exit_code, 0);
  ASSERT_TRUE(watch.WaitForOutput("DELETE\nwatch/p/a\n")) << watch.output();
  // With --prev-kv etcdctl prints the previous pair, then the event's.
  EXPECT_NE(watch.output().find("DELETE\nwatch/p/a\n1\nwatch/p/a\n\n"), std::string::npos)
      << watch.output();
  EXPECT_EQ(watch.output().find("outside"), std::string::npos);
}

TEST_P(EtcdctlApiTest, WatchKeepsWorkingAcrossALeaderChange) {
  int leader = cluster_->WaitLeader();
  ASSERT_GE(leader, 0);
  int follower = (leader + 1) % 3;
  Background watch(cluster_->EtcdctlArgv({"watch", "watch/move"}, {follower}));
  ASSERT_TRUE(WaitFor([&] {
    Put("watch/move", "before");
    return watch.output().find("before") != std::string::npos;
  }));
  auto status = Ctl({"endpoint", "status"}, {follower});
  std::smatch id;
  ASSERT_TRUE(std::regex_search(status.out, id, std::regex("^[^,]+, ([0-9a-f]+),")));
  ASSERT_EQ(Ctl({"move-leader", id[1]}, {leader}).exit_code, 0);
  ASSERT_EQ(cluster_->WaitLeader(), follower);
  Put("watch/move", "after");
  ASSERT_TRUE(watch.WaitForOutput("after\n")) << watch.output();
}

TEST_P(EtcdctlApiTest, LeaseGrantAttachKeepAliveTimeToLiveRevoke) {
  std::string lease = Grant(60);
  ASSERT_FALSE(lease.empty());
  Put("lease/a", "1", {"--lease=" + lease});
  Put("lease/b", "2", {"--lease=" + lease});
  auto ttl = Ctl({"lease", "timetolive", lease, "--keys"});
  ASSERT_EQ(ttl.exit_code, 0) << ttl.err;
  EXPECT_NE(ttl.out.find("granted with TTL(60s)"), std::string::npos) << ttl.out;
  EXPECT_NE(ttl.out.find("attached keys([lease/a lease/b])"), std::string::npos) << ttl.out;
  auto kept = Ctl({"lease", "keep-alive", "--once", lease});
  EXPECT_NE(kept.out.find("keepalived with TTL(60)"), std::string::npos) << kept.out << kept.err;
  EXPECT_NE(Ctl({"lease", "list"}).out.find(lease), std::string::npos);
  auto revoked = Ctl({"lease", "revoke", lease});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(Ctl({"get", "lease/", "--prefix", "--keys-only"}).out, "");
  EXPECT_NE(Ctl({"lease", "timetolive", lease}).out.find("already expired"), std::string::npos);
  auto missing = Ctl({"put", "lease/c", "3", "--lease=1234abcd"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("requested lease not found"), std::string::npos) << missing.err;
}

TEST_P(EtcdctlApiTest, AnExpiredLeaseDeletesItsKeysOnEveryMember) {
  std::string lease = Grant(2);
  Put("expire/k", "v", {"--lease=" + lease});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(WaitFor(
        [&] {
          auto r = Ctl({"get", "expire/k", "--consistency=s", "--keys-only"}, {i});
          return r.exit_code == 0 && r.out.empty();
        },
        30s))
        << "member " << i;
  }
}

TEST_P(EtcdctlApiTest, LeasesSurviveTheLeadersDeath) {
  std::string lease = Grant(30);
  Put("survive/k", "v", {"--lease=" + lease});
  int leader = cluster_->WaitLeader();
  ASSERT_GE(leader, 0);
  cluster_->Stop(leader, /*hard=*/true);
  std::vector<int> alive;
  for (int i = 0; i < 3; ++i) {
    if (i != leader) alive.push_back(i);
  }
  ASSERT_TRUE(WaitFor([&] {
    return Ctl({"lease", "keep-alive", "--once", lease}, alive).out.find("keepalived") !=
           std::string::npos;
  }));
  EXPECT_EQ(Ctl({"get", "survive/k", "--print-value-only"}, alive).out, "v\n");
  ASSERT_TRUE(cluster_->Start(leader));
  ASSERT_TRUE(cluster_->WaitHealthy(leader)) << cluster_->LogTail(leader);
  EXPECT_EQ(Ctl({"lease", "revoke", lease}).exit_code, 0);
}

TEST_P(EtcdctlApiTest, AuthUsersRolesAndPermissions) {
  auto ok = [](const CommandResult& r) { return r.exit_code == 0; };
  ASSERT_TRUE(ok(Ctl({"user", "add", "root:rootpw"})));
  ASSERT_TRUE(ok(Ctl({"user", "grant-role", "root", "root"})));
  ASSERT_TRUE(ok(Ctl({"role", "add", "app"})));
  ASSERT_TRUE(ok(Ctl({"role", "grant-permission", "app", "readwrite", "app/", "--prefix=true"})));
  ASSERT_TRUE(ok(Ctl({"role", "grant-permission", "app", "read", "shared"})));
  ASSERT_TRUE(ok(Ctl({"user", "add", "alice:alicepw"})));
  ASSERT_TRUE(ok(Ctl({"user", "grant-role", "alice", "app"})));
  Put("shared", "s");
  auto enabled = Ctl({"auth", "enable"});
  ASSERT_TRUE(ok(enabled)) << enabled.err;
  EXPECT_EQ(enabled.out, "Authentication Enabled\n");

  const std::vector<std::string> alice = {"--user", "alice:alicepw"};
  auto as_alice = [&](std::vector<std::string> args, std::vector<int> members = {}) {
    args.insert(args.begin(), alice.begin(), alice.end());
    return Ctl(args, std::move(members));
  };
  // Permitted, through every member (tokens are replicated).
  for (int i = 0; i < 3; ++i) {
    auto put = as_alice({"put", "app/k" + std::to_string(i), "v"}, {i});
    EXPECT_TRUE(ok(put)) << "member " << i << ": " << put.err;
  }
  EXPECT_EQ(as_alice({"get", "shared", "--print-value-only"}).out, "s\n");
  EXPECT_EQ(as_alice({"get", "app/", "--prefix", "--keys-only"}).out,
            "app/k0\n\napp/k1\n\napp/k2\n\n");
  // Forbidden.
  auto write_shared = as_alice({"put", "shared", "x"});
  EXPECT_NE(write_shared.err.find("etcdserver: permission denied"), std::string::npos)
      << write_shared.err;
  auto read_other = as_alice({"get", "other"});
  EXPECT_NE(read_other.err.find("etcdserver: permission denied"), std::string::npos);
  auto users = as_alice({"user", "list"});
  EXPECT_NE(users.err.find("etcdserver: permission denied"), std::string::npos);
  auto wrong = Ctl({"--user", "alice:nope", "get", "app/k0"});
  EXPECT_NE(wrong.err.find("authentication failed, invalid user ID or password"), std::string::npos)
      << wrong.err;
  auto anonymous = Ctl({"get", "app/k0"});
  if (GetParam()) {
    // Client certificates are required: as in etcd, the certificate's common
    // name (strata-test-client) names the user, and there is no such user yet.
    EXPECT_NE(anonymous.err.find("etcdserver: permission denied"), std::string::npos)
        << anonymous.err;
  } else {
    EXPECT_NE(anonymous.err.find("etcdserver: user name is empty"), std::string::npos)
        << anonymous.err;
  }
  Background watch(cluster_->EtcdctlArgv({"--user", "alice:alicepw", "watch", "other"}));
  EXPECT_TRUE(watch.WaitForOutput("permission denied")) << watch.output();

  const std::vector<std::string> root = {"--user", "root:rootpw"};
  auto as_root = [&](std::vector<std::string> args) {
    args.insert(args.begin(), root.begin(), root.end());
    return Ctl(args);
  };
  EXPECT_EQ(as_root({"user", "list"}).out, "alice\nroot\n");
  EXPECT_TRUE(ok(as_root({"put", "other", "root-may"})));
  EXPECT_TRUE(ok(as_root({"role", "revoke-permission", "app", "shared"})));
  EXPECT_NE(as_alice({"get", "shared"}).err.find("permission denied"), std::string::npos);
  if (GetParam()) {
    // A user named like the certificate's common name needs no password.
    ASSERT_TRUE(ok(as_root({"user", "add", "strata-test-client:unused"})));
    ASSERT_TRUE(ok(as_root({"user", "grant-role", "strata-test-client", "app"})));
    auto by_cert = Ctl({"put", "app/by-cert", "v"});
    EXPECT_TRUE(ok(by_cert)) << by_cert.err;
    EXPECT_EQ(Ctl({"get", "app/by-cert", "--print-value-only"}).out, "v\n");
    EXPECT_NE(Ctl({"put", "other", "x"}).err.find("permission denied"), std::string::npos);
    // A token still wins over the certificate.
    EXPECT_TRUE(ok(as_root({"put", "other", "root-may"})));
  }
  auto disabled = as_root({"auth", "disable"});
  ASSERT_TRUE(ok(disabled)) << disabled.err;
  EXPECT_EQ(Ctl({"get", "other", "--print-value-only"}).out, "root-may\n");
}

// A backup restored into every member of a new cluster gives the same keys
// at the same revisions.
TEST_P(EtcdctlApiTest, SnapshotSaveThenRestoreIntoANewCluster) {
  Put("backup/a", "1");
  long revision = PutRevision("backup/b", "2");
  std::string file = cluster_->dir() + "/backup-" + (GetParam() ? "tls" : "plain") + ".db";
  auto saved = Ctl({"snapshot", "save", file}, {0});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;

  Cluster restored(3, GetParam());
  std::string stratactl = std::filesystem::path(ServerBinary()).parent_path() / "stratactl";
  for (int i = 0; i < 3; ++i) {
    auto r = strata::testing::Run(
        {stratactl, "snapshot", "restore", file, "--data-dir", restored.member(i).data_dir});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto again = strata::testing::Run(
      {stratactl, "snapshot", "restore", file, "--data-dir", restored.member(0).data_dir});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds a database"), std::string::npos) << again.err;
  ASSERT_TRUE(restored.StartAll()) << restored.LogTail(0);
  auto got = restored.Etcdctl({"get", "backup/", "--prefix", "-w", "json"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.out.find("\"revision\":" + std::to_string(revision)), std::string::npos) << got.out;
  EXPECT_EQ(restored.Etcdctl({"get", "backup/b", "--print-value-only"}).out, "2\n");
  // Every member holds the same state.
  std::set<std::string> hashes;
  for (int i = 0; i < 3; ++i) {
    auto h = restored.Etcdctl({"endpoint", "hashkv", "-w", "json"}, "", {i});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(h.out, m, std::regex("\"hash\":(\\d+)"))) << h.out << h.err;
    hashes.insert(m[1]);
  }
  EXPECT_EQ(hashes.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, EtcdctlApiTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Tls" : "Plain";
                         });

}  // namespace
}  // namespace strata::testing
