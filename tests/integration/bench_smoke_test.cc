// strata-bench against a local 3-member cluster for a few seconds: every
// workload completes with zero errors and reports a plausible table and
// JSON object. Not a benchmark: no timing target is asserted.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

std::string BenchBinary() {
  return (std::filesystem::path(ServerBinary()).parent_path() / "strata-bench").string();
}

class BenchSmokeTest : public SharedClusterTest {
 protected:
  CommandResult Bench(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        BenchBinary(), "--endpoints", cluster_->Endpoints(), "--clients", "8", "--connections", "3",
        "--duration",  "2s",          "--key-space",         "500"};
    argv.insert(argv.end(), args.begin(), args.end());
    return strata::testing::Run(argv, "", std::chrono::seconds(120));
  }
};

TEST_F(BenchSmokeTest, EveryWorkloadReportsJsonWithZeroErrors) {
  for (std::vector<std::string> workload : {std::vector<std::string>{"put", "--load", "500"},
                                            {"get"},
                                            {"get", "--serializable"},
                                            {"mixed", "--key-dist", "zipfian"},
                                            {"txn-cas"},
                                            {"range", "--range-keys", "50"}}) {
    workload.push_back("--json");
    CommandResult r = Bench(workload);
    ASSERT_EQ(r.exit_code, 0) << workload[0] << "\n" << r.out << r.err;
    nlohmann::json report = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(report.is_discarded()) << r.out;
    EXPECT_EQ(report.value("errors", -1), 0) << r.out;
    EXPECT_GT(report.value("ops", 0), 0) << r.out;
    EXPECT_GT(report.value("throughput", 0.0), 0.0) << r.out;
    double p50 = report.value("p50_ms", -1.0), p99 = report.value("p99_ms", -1.0),
           p999 = report.value("p999_ms", -1.0);
    EXPECT_GT(p50, 0.0) << r.out;
    EXPECT_LE(p50, p99) << r.out;
    EXPECT_LE(p99, p999) << r.out;
  }
}

TEST_F(BenchSmokeTest, TableNamesTheWorkloadAndItsLatencies) {
  CommandResult r = Bench({"put"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* field : {"ops", "errors", "latency ms", "p50", "p99", "p99.9"}) {
    EXPECT_NE(r.out.find(field), std::string::npos) << field << " in\n" << r.out;
  }
  EXPECT_NE(r.out.find("errors        0\n"), std::string::npos) << r.out;
}

TEST_F(BenchSmokeTest, BadFlagsAreRefusedWithAMessage) {
  CommandResult r = Bench({"put", "--key-dist", "pareto"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("key-dist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::testing
