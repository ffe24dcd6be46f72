// stratactl against a real 3-member cluster: every command, its output and
// its exit code, including bytes given in hex and the failure codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

std::string CtlBinary() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "stratactl").string();
}

class StratactlTest : public SharedClusterTest {
 protected:
  static CommandResult Ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {CtlBinary(), "--endpoints", cluster_->Endpoints()};
    argv.insert(argv.end(), args.begin(), args.end());
    return strata::testing::Run(argv);
  }
};

TEST_F(StratactlTest, MultiLevelKeys) {
  ASSERT_EQ(Ctl({"mlk", "put", "user", "b", "2"}).exit_code, 0);
  ASSERT_EQ(Ctl({"mlk", "put", "user", "a", "1"}).exit_code, 0);
  ASSERT_EQ(Ctl({"mlk", "put", "userx", "a", "other primary"}).exit_code, 0);
  auto scan = Ctl({"mlk", "scan", "user"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_EQ(scan.out, "a\t1\nb\t2\n");
  EXPECT_EQ(Ctl({"mlk", "scan", "user", "--limit", "1"}).out, "a\t1\n");
  EXPECT_EQ(Ctl({"mlk", "get", "user", "b"}).out, "2\n");
  auto missing = Ctl({"mlk", "get", "user", "zz"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.err;

  // Bytes 00 and FF in both parts, through --hex.
  ASSERT_EQ(Ctl({"--hex", "mlk", "put", "00ff", "ff00", "0001"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--hex", "mlk", "put", "00ff", "00", "02"}).exit_code, 0);
  ASSERT_EQ(Ctl({"--hex", "mlk", "put", "00", "ff", "03"}).exit_code, 0);
  EXPECT_EQ(Ctl({"--hex", "mlk", "scan", "00ff"}).out, "00\t02\nff00\t0001\n");
  EXPECT_EQ(Ctl({"mlk", "scan", std::string("\0", 0)}).exit_code, 0);
  EXPECT_EQ(Ctl({"--hex", "mlk", "get", "0", "00"}).exit_code, 2) << "odd hex is a usage error";
}

TEST_F(StratactlTest, CompareAndSet) {
  auto first = Ctl({"txn-cas", "cas", "v1", "--expect-version", "0"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out.rfind("OK (revision ", 0), 0u) << first.out;
  auto lost = Ctl({"txn-cas", "cas", "v2", "--expect-version", "0"});
  EXPECT_EQ(lost.exit_code, 4);
  EXPECT_NE(lost.err.find("current version: 1"), std::string::npos) << lost.err;
  EXPECT_EQ(Ctl({"txn-cas", "cas", "v2", "--expect-version", "1"}).exit_code, 0);
  EXPECT_EQ(cluster_->Etcdctl({"get", "cas", "--print-value-only"}).out, "v2\n");
  EXPECT_EQ(Ctl({"txn-cas", "cas", "v3"}).exit_code, 2) << "--expect-version is required";
}

TEST_F(StratactlTest, ScanPages) {
  for (int i = 0; i < 25; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "s/%02d", i);
    ASSERT_EQ(cluster_->Etcdctl({"put", key, std::to_string(i)}).exit_code, 0);
  }
  auto all = Ctl({"scan", "s/", "s0", "--page-size", "4"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 25);
  EXPECT_EQ(all.out.substr(0, 7), "s/00\t0\n");
  EXPECT_NE(all.err.find("25 keys in 7 pages"), std::string::npos) << all.err;
  auto some = Ctl({"scan", "s/", "s0", "--limit", "10", "--page-size", "3"});
  EXPECT_EQ(std::count(some.out.begin(), some.out.end(), '\n'), 10);
  EXPECT_EQ(Ctl({"scan", "s/", "s0", "--page-size", "0"}).exit_code, 2);
}

TEST_F(StratactlTest, Timelines) {
  ASSERT_EQ(Ctl({"timeline", "create", "events"}).exit_code, 0);
  EXPECT_EQ(Ctl({"timeline", "create", "events"}).exit_code, 4);
  ASSERT_EQ(Ctl({"timeline", "append", "events", "e2", "200", "second"}).exit_code, 0);
  ASSERT_EQ(Ctl({"timeline", "append", "events", "e1", "100", "first"}).exit_code, 0);
  ASSERT_EQ(Ctl({"timeline", "append", "events", "e3", "300", "third"}).exit_code, 0);
  auto dup = Ctl({"timeline", "append", "events", "e1", "400", "again"});
  EXPECT_EQ(dup.exit_code, 4);
  EXPECT_NE(dup.err.find("already_exists"), std::string::npos) << dup.err;
  EXPECT_EQ(Ctl({"timeline", "query", "events"}).out,
            "100\te1\tfirst\n200\te2\tsecond\n300\te3\tthird\n");
  EXPECT_EQ(Ctl({"timeline", "query", "events", "--from", "150", "--to", "300"}).out,
            "200\te2\tsecond\n");
  EXPECT_EQ(Ctl({"timeline", "query", "events", "--desc", "--limit", "2"}).out,
            "300\te3\tthird\n200\te2\tsecond\n");
  EXPECT_EQ(Ctl({"timeline", "stats", "events"}).out,
            "count: 3\nbytes: 16\nfirst_timestamp: 100\nlast_timestamp: 300\n");
  EXPECT_EQ(Ctl({"timeline", "stats", "nothing"}).exit_code, 3);
  EXPECT_EQ(Ctl({"timeline", "append", "nothing", "x", "1", "p"}).exit_code, 3);
}

TEST_F(StratactlTest, Status) {
  auto st = Ctl({"status"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(st.out.find(cluster_->member(i).client_endpoint()), std::string::npos) << st.out;
  }
  EXPECT_EQ(std::count(st.out.begin(), st.out.end(), '\n'), 5) << st.out;  // Header, 3, summary.
  EXPECT_NE(st.out.find("members: 3, leader: "), std::string::npos) << st.out;
  size_t leaders = 0;
  for (size_t p = st.out.find(" true "); p != std::string::npos; p = st.out.find(" true ", p + 1)) {
    ++leaders;
  }
  EXPECT_EQ(leaders, 1u) << st.out;
}

TEST_F(StratactlTest, FailuresHaveTheirExitCodes) {
  auto down = strata::testing::Run(
      {CtlBinary(), "--endpoints", "127.0.0.1:1", "--timeout", "500ms", "status"});
  EXPECT_EQ(down.exit_code, 5);
  EXPECT_NE(down.err.find("unavailable"), std::string::npos) << down.err;
  EXPECT_EQ(Ctl({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(Ctl({}).exit_code, 2);
  EXPECT_EQ(strata::testing::Run({CtlBinary(), "--help"}).exit_code, 0);
  EXPECT_EQ(Ctl({"--timeout", "soon", "status"}).exit_code, 2);
}

TEST_F(StratactlTest, GetPutDelInTextAndJson) {
  auto put = Ctl({"put", "plain/k", "v1"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(put.out.rfind("OK (revision ", 0), 0u) << put.out;
  EXPECT_EQ(Ctl({"get", "plain/k"}).out, "v1\n");
  auto put_json = Ctl({"-w", "json", "put", "plain/k", "v2"});
  ASSERT_EQ(put_json.exit_code, 0) << put_json.err;
  const auto written = nlohmann::json::parse(put_json.out);
  auto got = Ctl({"-w", "json", "get", "plain/k"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  const auto kv = nlohmann::json::parse(got.out);
  EXPECT_EQ(kv["key"], "plain/k");
  EXPECT_EQ(kv["value"], "v2");
  EXPECT_EQ(kv["version"], 2);
  EXPECT_EQ(kv["mod_revision"], written["revision"]);
  auto del = Ctl({"-w", "json", "del", "plain/k"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(nlohmann::json::parse(del.out)["deleted"], 1);
  EXPECT_EQ(Ctl({"del", "plain/k"}).out, "0\n") << "deleting an absent key is not an error";
  auto missing = Ctl({"-w", "json", "get", "plain/k"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_TRUE(missing.out.empty()) << "errors stay on stderr: " << missing.out;
  EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.err;
  EXPECT_EQ(Ctl({"-w", "yaml", "get", "plain/k"}).exit_code, 2);
}

TEST_F(StratactlTest, EveryCommandPrintsJson) {
  ASSERT_EQ(Ctl({"mlk", "put", "jp", "s", "v"}).exit_code, 0);
  auto mlk = Ctl({"-w", "json", "mlk", "scan", "jp"});
  ASSERT_EQ(mlk.exit_code, 0) << mlk.err;
  EXPECT_EQ(nlohmann::json::parse(mlk.out)["entries"][0]["secondary"], "s") << mlk.out;
  auto mget = Ctl({"-w", "json", "mlk", "get", "jp", "s"});
  EXPECT_EQ(nlohmann::json::parse(mget.out)["value"], "v") << mget.out;
  auto cas = Ctl({"-w", "json", "txn-cas", "jcas", "x", "--expect-version", "0"});
  EXPECT_GT(nlohmann::json::parse(cas.out)["revision"].get<int64_t>(), 0) << cas.out;
  auto scan = Ctl({"-w", "json", "scan", "jcas", "jcat"});
  EXPECT_EQ(nlohmann::json::parse(scan.out)["count"], 1) << scan.out;
  ASSERT_EQ(Ctl({"-w", "json", "timeline", "create", "jtl"}).exit_code, 0);
  ASSERT_EQ(Ctl({"timeline", "append", "jtl", "m1", "5", "hello"}).exit_code, 0);
  auto q = Ctl({"-w", "json", "timeline", "query", "jtl"});
  EXPECT_EQ(nlohmann::json::parse(q.out)["messages"][0]["payload"], "hello") << q.out;
  auto stats = Ctl({"-w", "json", "timeline", "stats", "jtl"});
  EXPECT_EQ(nlohmann::json::parse(stats.out)["count"], 1) << stats.out;
  auto st = Ctl({"-w", "json", "status"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const auto status = nlohmann::json::parse(st.out);
  EXPECT_EQ(status["members"].size(), 3u) << st.out;
  EXPECT_NE(status["leader"], "") << st.out;
}

TEST_F(StratactlTest, EveryCommandHasHelp) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"get"},
                                       {"put"},
                                       {"del"},
                                       {"scan"},
                                       {"txn-cas"},
                                       {"status"},
                                       {"mlk", "put"},
                                       {"mlk", "get"},
                                       {"mlk", "scan"},
                                       {"timeline", "create"},
                                       {"timeline", "append"},
                                       {"timeline", "query"},
                                       {"timeline", "stats"},
                                       {"snapshot", "save"},
                                       {"snapshot", "restore"}}) {
    cmd.push_back("--help");
    auto r = strata::testing::Run([&] {
      std::vector<std::string> argv = {CtlBinary()};
      argv.insert(argv.end(), cmd.begin(), cmd.end());
      return argv;
    }());
    EXPECT_EQ(r.exit_code, 0) << cmd[0];
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd[0] << ": " << r.out;
  }
}

// stratactl snapshot save, then stratactl snapshot restore into a new
// 3-member cluster that serves the same keys.
TEST_F(StratactlTest, SnapshotSaveThenRestoreRoundTrip) {
  ASSERT_EQ(Ctl({"put", "snap/a", "1"}).exit_code, 0);
  auto last = Ctl({"-w", "json", "put", "snap/b", "2"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  const int64_t revision = nlohmann::json::parse(last.out)["revision"];
  const std::string file = cluster_->dir() + "/ctl-backup.db";
  auto saved = Ctl({"-w", "json", "snapshot", "save", file});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  const auto info = nlohmann::json::parse(saved.out);
  EXPECT_EQ(info["bytes"].get<int64_t>(), static_cast<int64_t>(std::filesystem::file_size(file)));
  EXPECT_GE(info["revision"].get<int64_t>(), revision);
  EXPECT_EQ(info["sha256"].get<std::string>().size(), 64u);
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));

  // A damaged copy fails restore's own check.
  const std::string damaged = file + ".damaged";
  std::filesystem::copy_file(file, damaged);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    // The trailer's last byte: only the SHA-256 check can tell.
    const auto last_byte = static_cast<std::streamoff>(std::filesystem::file_size(damaged)) - 1;
    f.seekg(last_byte);
    const char c = static_cast<char>(f.get());
    f.seekp(last_byte);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  Cluster restored(3);
  auto bad = strata::testing::Run(
      {CtlBinary(), "snapshot", "restore", damaged, "--data-dir", restored.member(0).data_dir});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("SHA-256"), std::string::npos) << bad.err;
  std::filesystem::remove_all(restored.member(0).data_dir);

  for (int i = 0; i < 3; ++i) {
    auto r = strata::testing::Run(
        {CtlBinary(), "snapshot", "restore", file, "--data-dir", restored.member(i).data_dir});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_TRUE(restored.StartAll()) << restored.LogTail(0);
  auto got = strata::testing::Run(
      {CtlBinary(), "--endpoints", restored.Endpoints(), "-w", "json", "get", "snap/b"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  const auto kv = nlohmann::json::parse(got.out);
  EXPECT_EQ(kv["value"], "2");
  EXPECT_EQ(kv["mod_revision"], revision);

  auto nowhere = Ctl({"snapshot", "save", "/nonexistent-dir/x.db"});
  EXPECT_EQ(nowhere.exit_code, 2) << nowhere.err;
}

TEST_F(StratactlTest, WatchPrintsHistoryAndLiveEvents) {
  auto first = Ctl({"-w", "json", "put", "wctl/a", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const int64_t rev = nlohmann::json::parse(first.out)["revision"];
  ASSERT_EQ(Ctl({"del", "wctl/a"}).exit_code, 0);
  auto history = Ctl({"watch", "wctl/", "--prefix", "--rev", std::to_string(rev), "--count", "2"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(history.out, "PUT\twctl/a\t1\nDELETE\twctl/a\n");

  // Live: started before the write, it waits for it.
  Background live({CtlBinary(), "--endpoints", cluster_->Endpoints(), "-w", "json", "watch",
                   "wctl/live", "--count", "1"});
  // Write until the background command has seen a write and exited.
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!live.Running()) return true;
        (void)Ctl({"put", "wctl/live", "v"});
        return false;
      },
      std::chrono::seconds(30)));
  EXPECT_NE(live.output().find("\"type\":\"PUT\""), std::string::npos) << live.output();

  // A compacted start revision is an error with a clear message.
  auto latest = Ctl({"-w", "json", "put", "wctl/b", "2"});
  const int64_t now = nlohmann::json::parse(latest.out)["revision"];
  ASSERT_EQ(cluster_->Etcdctl({"compact", std::to_string(now)}).exit_code, 0);
  auto compacted = Ctl({"watch", "wctl/b", "--rev", "1", "--count", "1"});
  EXPECT_EQ(compacted.exit_code, 1);
  EXPECT_NE(compacted.err.find("compacted"), std::string::npos) << compacted.err;
  EXPECT_EQ(Ctl({"watch", "k", "--count", "-1"}).exit_code, 2);
}

}  // namespace
}  // namespace strata::testing
