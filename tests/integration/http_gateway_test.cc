// etcd's JSON gateway beyond KV against a real 3-member cluster, with curl
// as a user would drive it: a lease's life and keep-alive, a watch
// streaming events, membership and maintenance, locks, and auth tokens
// travelling in the Authorization header; etcdctl confirms what the
// gateway did. Bytes are base64: "foo" is Zm9v, "bar"
// YmFy.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

struct HttpReply {
  int status = 0;
  nlohmann::json body;
};

HttpReply Post(const Cluster& c, int member, const std::string& path, const std::string& body,
               const std::string& token = "") {
  std::vector<std::string> argv = {"curl", "-sS",    "--max-time", "20", "-X",
                                   "POST", "--data", body,         "-w", "\n%{http_code}"};
  if (!token.empty()) {
    argv.push_back("-H");
    argv.push_back("Authorization: " + token);
  }
  argv.push_back("http://127.0.0.1:" + std::to_string(c.member(member).metrics_port) + path);
  CommandResult r = Run(argv, "", std::chrono::seconds(30));
  HttpReply reply;
  const size_t eol = r.out.rfind('\n');
  if (r.exit_code != 0 || eol == std::string::npos) return reply;
  reply.status = std::atoi(r.out.c_str() + eol + 1);
  reply.body = nlohmann::json::parse(r.out.substr(0, eol), nullptr, false);
  return reply;
}

class HttpGatewayTest : public SharedClusterTest {};

TEST_F(HttpGatewayTest, ALeaseGrantedAttachedInspectedAndRevokedThroughJson) {
  HttpReply grant = Post(*cluster_, 0, "/v3/lease/grant", R"({"TTL": "60"})");
  ASSERT_EQ(grant.status, 200) << grant.body.dump();
  const std::string id = grant.body.value("ID", "");
  ASSERT_FALSE(id.empty()) << grant.body.dump();
  EXPECT_EQ(grant.body.value("TTL", ""), "60");

  HttpReply put =
      Post(*cluster_, 1, "/v3/kv/put", R"({"key":"Zm9v","value":"YmFy","lease":")" + id + "\"}");
  ASSERT_EQ(put.status, 200) << put.body.dump();
  HttpReply ttl =
      Post(*cluster_, 2, "/v3/kv/lease/timetolive", R"({"ID":")" + id + R"(","keys":true})");
  ASSERT_EQ(ttl.status, 200) << ttl.body.dump();
  EXPECT_EQ(ttl.body["keys"], nlohmann::json::array({"Zm9v"}));
  EXPECT_EQ(ttl.body.value("grantedTTL", ""), "60");
  HttpReply leases = Post(*cluster_, 0, "/v3/lease/leases", "{}");
  ASSERT_EQ(leases.status, 200);
  EXPECT_NE(leases.body.dump().find(id), std::string::npos) << leases.body.dump();
  EXPECT_EQ(cluster_->Etcdctl({"get", "foo", "--print-value-only"}).out, "bar\n");

  HttpReply revoke = Post(*cluster_, 1, "/v3/lease/revoke", R"({"ID":")" + id + "\"}");
  ASSERT_EQ(revoke.status, 200) << revoke.body.dump();
  EXPECT_EQ(cluster_->Etcdctl({"get", "foo"}).out, "") << "the revoke deleted the key";
  HttpReply again = Post(*cluster_, 1, "/v3/kv/lease/revoke", R"({"ID":")" + id + "\"}");
  EXPECT_EQ(again.status, 404) << again.body.dump();
  EXPECT_EQ(again.body.value("message", ""), "etcdserver: requested lease not found");
  EXPECT_EQ(again.body.value("code", 0), 5);
}

TEST_F(HttpGatewayTest, MembershipAndMaintenance) {
  HttpReply members = Post(*cluster_, 0, "/v3/cluster/member/list", "");
  ASSERT_EQ(members.status, 200) << members.body.dump();
  ASSERT_EQ(members.body["members"].size(), 3u);
  HttpReply status = Post(*cluster_, 1, "/v3/maintenance/status", "{}");
  ASSERT_EQ(status.status, 200) << status.body.dump();
  EXPECT_FALSE(status.body.value("version", "").empty());
  EXPECT_TRUE(status.body["header"].contains("member_id"));
  HttpReply alarms = Post(*cluster_, 2, "/v3/maintenance/alarm", R"({"action":"GET"})");
  ASSERT_EQ(alarms.status, 200) << alarms.body.dump();
  EXPECT_FALSE(alarms.body.contains("alarms"));
  HttpReply hash = Post(*cluster_, 2, "/v3/maintenance/hashkv", "{}");
  ASSERT_EQ(hash.status, 200) << hash.body.dump();
  EXPECT_TRUE(hash.body.contains("hash"));
  const int leader = cluster_->WaitLeader();
  ASSERT_GE(leader, 0);
  HttpReply bad_target =
      Post(*cluster_, leader, "/v3/maintenance/transfer-leadership", R"({"targetID":"123"})");
  EXPECT_GE(bad_target.status, 400) << bad_target.body.dump();
  EXPECT_EQ(bad_target.body.value("message", ""), "etcdserver: bad leader transferee");
}

TEST_F(HttpGatewayTest, AKeepAliveRenewsAndAWatchStreamsEvents) {
  HttpReply grant = Post(*cluster_, 0, "/v3/lease/grant", R"({"TTL": "60"})");
  ASSERT_EQ(grant.status, 200) << grant.body.dump();
  const std::string id = grant.body.value("ID", "");
  HttpReply renewed = Post(*cluster_, 1, "/v3/lease/keepalive", R"({"ID":")" + id + "\"}");
  ASSERT_EQ(renewed.status, 200) << renewed.body.dump();
  EXPECT_EQ(renewed.body["result"].value("ID", ""), id) << renewed.body.dump();
  EXPECT_EQ(renewed.body["result"].value("TTL", ""), "60") << renewed.body.dump();

  // Key "w" is dw==; value "bar" is YmFy.
  Background watch(
      {"curl", "-sS", "-N", "--max-time", "60", "-X", "POST", "--data",
       R"({"create_request":{"key":"dw=="}})",
       "http://127.0.0.1:" + std::to_string(cluster_->member(2).metrics_port) + "/v3/watch"});
  ASSERT_TRUE(watch.WaitForOutput(R"("created":true)")) << watch.output();
  ASSERT_EQ(cluster_->Etcdctl({"put", "w", "bar"}).exit_code, 0);
  ASSERT_TRUE(watch.WaitForOutput(R"("value":"YmFy")")) << watch.output();
  const std::string first_line = watch.output().substr(0, watch.output().find('\n'));
  auto created = nlohmann::json::parse(first_line, nullptr, false);
  EXPECT_EQ(created["result"].value("created", false), true) << first_line;
}

TEST_F(HttpGatewayTest, ALockTakenAndReleased) {
  HttpReply lock = Post(*cluster_, 0, "/v3/lock/lock", R"({"name":"Zm9v"})");
  ASSERT_EQ(lock.status, 200) << lock.body.dump();
  const std::string key = lock.body.value("key", "");
  ASSERT_FALSE(key.empty()) << lock.body.dump();
  EXPECT_NE(cluster_->Etcdctl({"get", "foo/", "--prefix", "--keys-only"}).out, "");
  HttpReply unlock = Post(*cluster_, 1, "/v3/lock/unlock", R"({"key":")" + key + "\"}");
  ASSERT_EQ(unlock.status, 200) << unlock.body.dump();
  EXPECT_EQ(cluster_->Etcdctl({"get", "foo/", "--prefix", "--keys-only"}).out, "");
}

// Last in the suite: it turns auth on, and off again at its end.
TEST_F(HttpGatewayTest, AuthTokensTravelInTheAuthorizationHeader) {
  ASSERT_EQ(Post(*cluster_, 0, "/v3/auth/user/add", R"({"name":"root","password":"pw"})").status,
            200);
  ASSERT_EQ(Post(*cluster_, 0, "/v3/auth/role/add", R"({"name":"root"})").status, 200);
  ASSERT_EQ(Post(*cluster_, 0, "/v3/auth/user/grant", R"({"user":"root","role":"root"})").status,
            200);
  HttpReply enable = Post(*cluster_, 0, "/v3/auth/enable", "{}");
  ASSERT_EQ(enable.status, 200) << enable.body.dump();

  HttpReply anonymous = Post(*cluster_, 1, "/v3/lease/grant", R"({"TTL":"60"})");
  EXPECT_GE(anonymous.status, 400) << anonymous.body.dump();
  HttpReply wrong =
      Post(*cluster_, 1, "/v3/auth/authenticate", R"({"name":"root","password":"x"})");
  EXPECT_EQ(wrong.body.value("message", ""),
            "etcdserver: authentication failed, invalid user ID or password")
      << wrong.body.dump();
  HttpReply login =
      Post(*cluster_, 1, "/v3/auth/authenticate", R"({"name":"root","password":"pw"})");
  ASSERT_EQ(login.status, 200) << login.body.dump();
  const std::string token = login.body.value("token", "");
  ASSERT_FALSE(token.empty());

  HttpReply granted = Post(*cluster_, 1, "/v3/lease/grant", R"({"TTL":"60"})", token);
  EXPECT_EQ(granted.status, 200) << granted.body.dump();
  HttpReply users = Post(*cluster_, 2, "/v3/auth/user/list", "{}", token);
  ASSERT_EQ(users.status, 200) << users.body.dump();
  EXPECT_EQ(users.body["users"], nlohmann::json::array({"root"}));
  HttpReply disable = Post(*cluster_, 1, "/v3/auth/disable", "{}", token);
  ASSERT_EQ(disable.status, 200) << disable.body.dump();
  EXPECT_EQ(Post(*cluster_, 1, "/v3/lease/grant", R"({"TTL":"60"})").status, 200);
}

}  // namespace
}  // namespace strata::testing
