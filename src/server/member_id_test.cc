#include "server/member_id.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::server {
namespace {

// etcd's own defaults (--name default, http://localhost:2380, token
// etcd-cluster) give the ids every etcd user has seen in its logs.
TEST(MemberId, MatchesEtcdForEtcdDefaults) {
  const std::vector<std::string> urls = {"http://localhost:2380"};
  const uint64_t member = EtcdMemberId(urls, "etcd-cluster");
  EXPECT_EQ(FormatId(member), "8e9e05c52164694d");
  const std::vector<uint64_t> members = {member};
  EXPECT_EQ(FormatId(EtcdClusterId(members)), "cdf818194e3a8c32");
}

TEST(MemberId, IsDeterministicAndOrderIndependent) {
  const std::vector<std::string> a = {"http://10.0.0.1:2380", "https://10.0.1.1:2380"};
  const std::vector<std::string> b = {"https://10.0.1.1:2380", "http://10.0.0.1:2380"};
  EXPECT_EQ(EtcdMemberId(a, "t"), EtcdMemberId(a, "t"));
  EXPECT_EQ(EtcdMemberId(a, "t"), EtcdMemberId(b, "t"));
}

TEST(MemberId, DependsOnUrlsAndToken) {
  const std::vector<std::string> a = {"http://10.0.0.1:2380"};
  const std::vector<std::string> b = {"http://10.0.0.2:2380"};
  EXPECT_NE(EtcdMemberId(a, "t"), EtcdMemberId(b, "t"));
  EXPECT_NE(EtcdMemberId(a, "t"), EtcdMemberId(a, "u"));
}

TEST(ClusterId, IsOrderIndependentAndDependsOnMembers) {
  const std::vector<uint64_t> ids = {3, 1, 2};
  const std::vector<uint64_t> sorted = {1, 2, 3};
  const std::vector<uint64_t> other = {1, 2, 4};
  EXPECT_EQ(EtcdClusterId(ids), EtcdClusterId(sorted));
  EXPECT_NE(EtcdClusterId(ids), EtcdClusterId(other));
}

TEST(FormatId, IsLowerHexWithoutLeadingZeros) {
  EXPECT_EQ(FormatId(0), "0");
  EXPECT_EQ(FormatId(0xab), "ab");
  EXPECT_EQ(FormatId(0xffffffffffffffffu), "ffffffffffffffff");
}

}  // namespace
}  // namespace strata::server
