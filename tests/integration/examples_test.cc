// The programs in examples/ against a local 3-member cluster: each exits 0
// and prints what docs/client.md says it prints.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

std::string ExampleBinary(const std::string& name) {
  return (std::filesystem::path(ServerBinary()).parent_path() / name).string();
}

TEST(ExamplesTest, QuickstartRunsAndRerunsCleanly) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.StartAll()) << cluster.LogTail(0);
  ASSERT_GE(cluster.WaitLeader(), 0);
  for (int run = 0; run < 2; ++run) {
    auto r = strata::testing::Run({ExampleBinary("quickstart"), cluster.Endpoints()});
    ASSERT_EQ(r.exit_code, 0) << "run " << run << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
    EXPECT_NE(r.out.find("get: hello (version 1)\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cas: lost the race; version is now 2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("scan: 5 keys in 3 pages\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mlk: sensor-a sensor-b\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("txn: bob has 10\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("watch: put quickstart/jobs/1, delete quickstart/jobs/1\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("timeline: msg-100 msg-200\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("quickstart: OK\n"), std::string::npos) << r.out;
  }
  EXPECT_EQ(strata::testing::Run({ExampleBinary("quickstart")}).exit_code, 2) << "usage";
  EXPECT_EQ(strata::testing::Run({ExampleBinary("quickstart"), "127.0.0.1:1"}).exit_code, 1)
      << "nobody answers";
}

}  // namespace
}  // namespace strata::testing
