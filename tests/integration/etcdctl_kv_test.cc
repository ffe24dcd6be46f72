// etcdctl (Debian's etcd-client, API v3) against a real 3-member Strata
// cluster: key-value commands, transactions, compaction, members, status,
// health and snapshots, with their outputs asserted.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

class EtcdctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new Cluster(3);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->LogTail(0);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static CommandResult Ctl(const std::vector<std::string>& args, const std::string& input = "") {
    return cluster_->Etcdctl(args, input);
  }
  // The value at key, via a linearizable get.
  static std::string Get(const std::string& key) {
    auto r = Ctl({"get", key, "--print-value-only"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  static Cluster* cluster_;
};

Cluster* EtcdctlTest::cluster_ = nullptr;

// etcdctl prints member ids in member commands as %16x.
std::string Padded(const std::string& hex_id) {
  return std::string(hex_id.size() < 16 ? 16 - hex_id.size() : 0, ' ') + hex_id;
}

TEST_F(EtcdctlTest, PutGetDelete) {
  auto put = Ctl({"put", "kv/a", "1"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(put.out, "OK\n");
  EXPECT_EQ(Ctl({"get", "kv/a"}).out, "kv/a\n1\n");
  auto del = Ctl({"del", "kv/a"});
  EXPECT_EQ(del.out, "1\n");
  EXPECT_EQ(Ctl({"get", "kv/a"}).out, "");
  EXPECT_EQ(Ctl({"del", "kv/a"}).out, "0\n");
}

TEST_F(EtcdctlTest, EveryMemberServesReadsAndWrites) {
  for (int i = 0; i < 3; ++i) {
    std::string key = "member-write/" + std::to_string(i);
    auto put = cluster_->Etcdctl({"put", key, "v" + std::to_string(i)}, "", {i});
    ASSERT_EQ(put.exit_code, 0) << put.err;
  }
  for (int i = 0; i < 3; ++i) {
    auto get =
        cluster_->Etcdctl({"get", "member-write/", "--prefix", "--print-value-only"}, "", {i});
    EXPECT_EQ(get.out, "v0\nv1\nv2\n") << "member " << i;
  }
}

TEST_F(EtcdctlTest, PrefixLimitAndKeysOnly) {
  for (const char* k : {"p/1", "p/2", "p/3", "q/1"}) ASSERT_EQ(Ctl({"put", k, "x"}).exit_code, 0);
  EXPECT_EQ(Ctl({"get", "p/", "--prefix", "--keys-only"}).out, "p/1\n\np/2\n\np/3\n\n");
  EXPECT_EQ(Ctl({"get", "p/", "--prefix", "--limit=2", "--keys-only"}).out, "p/1\n\np/2\n\n");
  EXPECT_EQ(Ctl({"get", "p/1", "p/3", "--keys-only"}).out, "p/1\n\np/2\n\n");
  EXPECT_EQ(Ctl({"get", "p/", "--prefix", "--keys-only", "--order=DESCEND"}).out,
            "p/3\n\np/2\n\np/1\n\n");
}

TEST_F(EtcdctlTest, GetAtOldRevision) {
  auto first = Ctl({"put", "rev/k", "old", "-w", "json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first.out, m, std::regex("\"revision\":(\\d+)")));
  std::string rev = m[1];
  ASSERT_EQ(Ctl({"put", "rev/k", "new"}).exit_code, 0);
  EXPECT_EQ(Get("rev/k"), "new\n");
  EXPECT_EQ(Ctl({"get", "rev/k", "--print-value-only", "--rev=" + rev}).out, "old\n");
}

TEST_F(EtcdctlTest, TransactionFromStdin) {
  ASSERT_EQ(Ctl({"put", "txn/k", "v1"}).exit_code, 0);
  std::string script =
      "value(\"txn/k\") = \"v1\"\n\n"
      "put txn/k v2\nput txn/other yes\n\n"
      "put txn/k failed\n\n";
  auto r = Ctl({"txn"}, script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "SUCCESS\n\nOK\n\nOK\n");
  EXPECT_EQ(Get("txn/k"), "v2\n");
  auto again = Ctl({"txn"}, script);
  EXPECT_EQ(again.out, "FAILURE\n\nOK\n");
  EXPECT_EQ(Get("txn/k"), "failed\n");
}

TEST_F(EtcdctlTest, CompactionMakesOldRevisionsUnreadable) {
  auto put = Ctl({"put", "compact/k", "a", "-w", "json"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(put.out, m, std::regex("\"revision\":(\\d+)")));
  long rev = std::stol(m[1]);
  ASSERT_EQ(Ctl({"put", "compact/k", "b"}).exit_code, 0);
  auto compact = Ctl({"compaction", std::to_string(rev + 1)});
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
  EXPECT_EQ(compact.out, "compacted revision " + std::to_string(rev + 1) + "\n");
  auto old = Ctl({"get", "compact/k", "--rev=" + std::to_string(rev)});
  EXPECT_NE(old.exit_code, 0);
  EXPECT_NE(old.err.find("required revision has been compacted"), std::string::npos) << old.err;
  EXPECT_EQ(Get("compact/k"), "b\n");
  // --physical waits until the history is dropped.
  ASSERT_EQ(Ctl({"put", "compact/k", "c"}).exit_code, 0);
  auto physical = Ctl({"compaction", "--physical", std::to_string(rev + 2)});
  ASSERT_EQ(physical.exit_code, 0) << physical.err;
  EXPECT_EQ(physical.out, "compacted revision " + std::to_string(rev + 2) + "\n");
  EXPECT_EQ(Get("compact/k"), "c\n");
}

TEST_F(EtcdctlTest, EndpointStatusAndHealth) {
  auto status = Ctl({"endpoint", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  int leaders = 0;
  std::istringstream lines(status.out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.find("3.5.0"), std::string::npos) << line;
    if (line.find(", true, false,") != std::string::npos) ++leaders;
  }
  EXPECT_EQ(leaders, 1) << status.out;
  auto health = Ctl({"endpoint", "health"});
  ASSERT_EQ(health.exit_code, 0) << health.err << health.out;
  EXPECT_EQ(std::count(health.err.begin(), health.err.end(), '\n') +
                std::count(health.out.begin(), health.out.end(), '\n'),
            3);
  EXPECT_NE((health.out + health.err).find("is healthy"), std::string::npos);
}

TEST_F(EtcdctlTest, MoveLeaderAndDefrag) {
  int leader = cluster_->WaitLeader();
  ASSERT_GE(leader, 0);
  int target = (leader + 1) % 3;
  auto status = cluster_->Etcdctl({"endpoint", "status"}, "", {target});
  std::smatch id_match;
  ASSERT_TRUE(std::regex_search(status.out, id_match, std::regex("^[^,]+, ([0-9a-f]+),")))
      << status.out;
  std::string target_id = id_match[1];
  auto move = cluster_->Etcdctl({"move-leader", target_id}, "", {leader});
  ASSERT_EQ(move.exit_code, 0) << move.err;
  EXPECT_NE(move.out.find("Leadership transferred"), std::string::npos) << move.out;
  EXPECT_EQ(cluster_->WaitLeader(), target);
  auto defrag = Ctl({"defrag"});
  ASSERT_EQ(defrag.exit_code, 0) << defrag.err;
  EXPECT_EQ(std::count(defrag.out.begin(), defrag.out.end(), '\n'), 3) << defrag.out;
  EXPECT_NE(defrag.out.find("Finished defragmenting etcd member"), std::string::npos);
}

TEST_F(EtcdctlTest, SnapshotSave) {
  ASSERT_EQ(Ctl({"put", "snap/k", "v"}).exit_code, 0);
  // Enough data for several 1 MiB messages of the Snapshot stream.
  std::string big(100000, 'b');
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(Ctl({"put", "snap/big" + std::to_string(i)}, big).exit_code, 0);
  }
  std::string path = cluster_->dir() + "/backup.db";
  auto r = cluster_->Etcdctl({"snapshot", "save", path}, "", {0});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE((r.out + r.err).find("Snapshot saved at " + path), std::string::npos) << r.out << r.err;
  // etcd's shape: whole 512-byte pages, then the SHA-256 of those pages.
  const uint64_t size = std::filesystem::file_size(path);
  EXPECT_GT(size, 3000000u);
  EXPECT_EQ(size % 512, 32u);
  auto hashed = testing::Run(
      {"sh", "-c", "head -c " + std::to_string(size - 32) + " " + path + " | sha256sum"});
  auto trailer = testing::Run({"sh", "-c", "tail -c 32 " + path + " | od -An -tx1 | tr -d ' \\n'"});
  ASSERT_EQ(hashed.exit_code, 0);
  EXPECT_EQ(hashed.out.substr(0, 64), trailer.out) << "the trailer is the SHA-256 of the pages";
  auto magic = testing::Run({"head", "-c", "12", path});
  EXPECT_EQ(magic.out, "strata-sm-v3");
}

TEST_F(EtcdctlTest, MemberListAddPromoteRemove) {
  auto list = Ctl({"member", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(
        list.out.find(", started, m" + std::to_string(i) + ", " + cluster_->member(i).peer_url()),
        std::string::npos)
        << list.out;
  }
  ASSERT_EQ(Ctl({"put", "before-join", "v"}).exit_code, 0);
  int slot = cluster_->AddSlot();
  const Member& joiner = cluster_->member(slot);
  auto add = Ctl({"member", "add", joiner.name, "--learner", "--peer-urls=" + joiner.peer_url()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(add.out, m, std::regex("Member\\s+([0-9a-f]+) added")))
      << add.out << add.err;
  std::string id = m[1];
  EXPECT_NE(add.out.find("ETCD_INITIAL_CLUSTER_STATE=\"existing\""), std::string::npos);

  std::string initial = cluster_->initial_cluster() + "," + joiner.name + "=" + joiner.peer_url();
  ASSERT_TRUE(
      cluster_->Start(slot, {"--initial-cluster-state=existing", "--initial-cluster=" + initial}));
  ASSERT_TRUE(cluster_->WaitHealthy(slot)) << cluster_->LogTail(slot);
  // The learner receives the data written before it joined.
  EXPECT_TRUE(WaitFor([&] {
    auto r = cluster_->Etcdctl({"get", "before-join", "--print-value-only", "--consistency=s"}, "",
                               {slot});
    return r.out == "v\n";
  }));
  // It answers with the cluster's id, learned from its first snapshot.
  auto cluster_id_of = [&](int member) {
    auto r = cluster_->Etcdctl({"endpoint", "status", "-w", "json"}, "", {member});
    std::smatch id_match;
    std::regex_search(r.out, id_match, std::regex("\"cluster_id\":(\\d+)"));
    return id_match.size() > 1 ? id_match[1].str() : "none: " + r.out + r.err;
  };
  std::string founders_cluster_id = cluster_id_of(0);
  ASSERT_EQ(founders_cluster_id.find("none"), std::string::npos) << founders_cluster_id;
  EXPECT_EQ(cluster_id_of(slot), founders_cluster_id);
  bool promoted = WaitFor([&] { return Ctl({"member", "promote", id}).exit_code == 0; });
  EXPECT_TRUE(promoted);
  // Promoted, and published its name and client URL.
  std::string expected_line = id + ", started, " + joiner.name + ", " + joiner.peer_url() +
                              ", http://" + joiner.client_endpoint() + ", false\n";
  EXPECT_TRUE(WaitFor([&] {
    return Ctl({"member", "list"}).out.find(expected_line) != std::string::npos;
  })) << Ctl({"member", "list"}).out;

  // MemberUpdate changes the peer URLs the others use to reach a member;
  // stop the member first, since nothing will listen at the new URL.
  cluster_->Stop(slot, /*hard=*/false);
  std::string moved_url = "http://127.0.0.1:" + std::to_string(FreePort());
  auto update = Ctl({"member", "update", id, "--peer-urls=" + moved_url});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_NE(update.out.find("Member " + Padded(id) + " updated"), std::string::npos) << update.out;
  EXPECT_NE(Ctl({"member", "list"}).out.find(moved_url), std::string::npos);
  EXPECT_NE(Ctl({"member", "update", id, "--peer-urls=" + cluster_->member(0).peer_url()})
                .err.find("etcdserver: Peer URLs already exists"),
            std::string::npos);

  auto removed = Ctl({"member", "remove", id});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(removed.out.find("Member " + Padded(id) + " removed"), std::string::npos)
      << removed.out;
  EXPECT_EQ(Ctl({"member", "list"}).out.find(id), std::string::npos);
}

}  // namespace
}  // namespace strata::testing
