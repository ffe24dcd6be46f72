#include "options.h"

#include <gtest/gtest.h>

#include <vector>

namespace strata::bench {
namespace {

Result<ParsedArgs> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "strata-bench");
  return ParseArgs(static_cast<int>(args.size()), args.data());
}

TEST(OptionsTest, Defaults) {
  Result<ParsedArgs> p = Parse({});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const Options& o = p->options;
  EXPECT_EQ(o.workload, Workload::kPut);
  EXPECT_EQ(o.endpoints, std::vector<std::string>{"127.0.0.1:2379"});
  EXPECT_EQ(o.clients, 1);
  EXPECT_EQ(o.duration, std::chrono::seconds(10));
  EXPECT_EQ(o.key_dist, KeyDist::kUniform);
  EXPECT_DOUBLE_EQ(o.zipf_theta, 0.99);
  EXPECT_FALSE(o.serializable);
  EXPECT_FALSE(o.tls);
}

TEST(OptionsTest, ParsesEveryKindOfFlag) {
  Result<ParsedArgs> p =
      Parse({"mixed",        "--endpoints", "http://127.0.0.1:2379,127.0.0.1:22379",
             "--clients",    "100",         "--connections",
             "10",           "--duration",  "500ms",
             "--warmup",     "2s",          "--read-ratio",
             "0.9",          "--key-dist",  "zipfian",
             "--zipf-theta", "0.8",         "--serializable",
             "--json",       "--rate",      "1000",
             "--value-size", "1024"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const Options& o = p->options;
  EXPECT_EQ(o.workload, Workload::kMixed);
  EXPECT_EQ(o.endpoints, (std::vector<std::string>{"127.0.0.1:2379", "127.0.0.1:22379"}));
  EXPECT_EQ(o.clients, 100);
  EXPECT_EQ(o.connections, 10);
  EXPECT_EQ(o.duration, std::chrono::milliseconds(500));
  EXPECT_EQ(o.warmup, std::chrono::seconds(2));
  EXPECT_DOUBLE_EQ(o.read_ratio, 0.9);
  EXPECT_EQ(o.key_dist, KeyDist::kZipfian);
  EXPECT_DOUBLE_EQ(o.zipf_theta, 0.8);
  EXPECT_TRUE(o.serializable);
  EXPECT_TRUE(o.json);
  EXPECT_DOUBLE_EQ(o.rate, 1000);
  EXPECT_EQ(o.value_size, 1024u);
}

TEST(OptionsTest, WorkloadNamesRoundTrip) {
  for (const char* name : {"put", "get", "mixed", "txn-cas", "range"}) {
    Result<ParsedArgs> p = Parse({name});
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(WorkloadName(p->options.workload), name);
  }
}

TEST(OptionsTest, LoadSetsTheKeySpaceUnlessGiven) {
  Result<ParsedArgs> p = Parse({"get", "--load", "5000", "--duration", "2m"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->options.key_space, 5000u);
  EXPECT_EQ(p->options.duration, std::chrono::minutes(2));
  p = Parse({"get", "--load", "5000", "--key-space", "100"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->options.key_space, 100u);
  p = Parse({"put", "--load", "100", "--duration", "0"});
  ASSERT_TRUE(p.ok()) << "load only";
  // --range-keys matters only to range.
  p = Parse({"txn-cas", "--key-space", "50"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
}

TEST(OptionsTest, TlsFromHttpsOrFlags) {
  Result<ParsedArgs> p = Parse({"--endpoints", "https://h:1"});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->options.tls);
  EXPECT_EQ(p->options.endpoints[0], "h:1");
  p = Parse({"--cacert", "ca.pem", "--cert", "c.pem", "--key", "k.pem"});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->options.tls);
  EXPECT_EQ(p->options.cert, "c.pem");
}

TEST(OptionsTest, HelpIsNotAnError) {
  Result<ParsedArgs> p = Parse({"--help"});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->help);
  EXPECT_NE(p->help_text.find("--endpoints"), std::string::npos);
}

TEST(OptionsTest, RejectsBadValuesNamingTheFlag) {
  struct Case {
    std::vector<const char*> args;
    std::string flag;
  };
  std::vector<Case> cases = {
      {{"--duration", "10"}, "--duration"},
      {{"--warmup", "fast"}, "--warmup"},
      {{"scan"}, "workload"},
      {{"--clients", "0"}, "--clients"},
      {{"--key-space", "1000000000", "--key-size", "8"}, "--key-size"},
      {{"--cert", "c.pem"}, "--cert"},
      {{"--endpoints", "localhost"}, "--endpoints"},
      {{"--zipf-theta", "1"}, "--zipf-theta"},
      {{"--read-ratio", "1.5"}, "--read-ratio"},
      {{"range", "--range-keys", "200", "--key-space", "100"}, "--range-keys"},
      {{"--duration", "0"}, "--duration"},
      {{"--no-such-flag"}, "no-such-flag"},
  };
  for (const Case& c : cases) {
    Result<ParsedArgs> p = Parse(c.args);
    ASSERT_FALSE(p.ok()) << c.flag;
    EXPECT_TRUE(p.status().Is(StatusCode::kInvalidArgument));
    EXPECT_NE(p.status().message().find(c.flag), std::string::npos) << p.status().message();
  }
}

}  // namespace
}  // namespace strata::bench
