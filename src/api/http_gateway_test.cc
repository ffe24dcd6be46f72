#include "api/http_gateway.h"

#include <chrono>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/http_fake_kv.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

using testing::FakeKv;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kDocHeader =
    R"({"cluster_id":"12585971608760269493","member_id":"13847567121247652255",)"
    R"("revision":"2","raft_term":"3"})";

TEST(GatewayStatusTest, HttpStatusFollowsGrpcGatewayV1) {
  // grpc-gateway runtime/errors.go HTTPStatusFromCode, as etcd 3.4/3.5 link it.
  const int expected[17] = {200, 408, 500, 400, 504, 404, 409, 403, 429,
                            400, 409, 400, 501, 500, 503, 500, 401};
  for (int code = 0; code < 17; ++code) {
    EXPECT_EQ(HttpStatusFromGrpcCode(code), expected[code]) << "grpc code " << code;
  }
  EXPECT_EQ(HttpStatusFromGrpcCode(42), 500);
}

TEST(GatewayStatusTest, ErrorBodyHasGrpcGatewayShape) {
  GatewayReply r = GatewayError(3, "etcdserver: key is not provided");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body, R"({"error":"etcdserver: key is not provided",)"
                    R"("message":"etcdserver: key is not provided","code":3})");
}

TEST(GatewayJsonTest, RangeResponseMatchesEtcdDocExample) {
  etcdserverpb::RangeResponse resp;
  auto* h = resp.mutable_header();
  h->set_cluster_id(FakeKv::kClusterId);
  h->set_member_id(FakeKv::kMemberId);
  h->set_revision(2);
  h->set_raft_term(3);
  auto* kv = resp.add_kvs();
  kv->set_key("foo");
  kv->set_create_revision(2);
  kv->set_mod_revision(2);
  kv->set_version(1);
  kv->set_value("bar");
  resp.set_count(1);
  Result<std::string> json = MessageToGatewayJson(resp);
  ASSERT_TRUE(json.ok());
  // Verbatim from etcd's Documentation/dev-guide/api_grpc_gateway.md.
  EXPECT_EQ(*json, std::string(R"({"header":)") + kDocHeader +
                       R"(,"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2",)"
                       R"("version":"1","value":"YmFy"}],"count":"1"})");
}

TEST(GatewayJsonTest, EnumsByNameDefaultsOmittedOneofsByFieldName) {
  etcdserverpb::TxnResponse resp;
  resp.mutable_header()->set_revision(5);
  resp.set_succeeded(false);  // default: left out
  resp.add_responses()->mutable_response_put()->mutable_header();
  Result<std::string> json = MessageToGatewayJson(resp);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"header":{"revision":"5"},"responses":[{"response_put":{"header":{}}}]})");

  etcdserverpb::RangeRequest req;
  req.set_key("a");
  req.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  req.set_sort_target(etcdserverpb::RangeRequest::KEY);  // first value: left out
  req.set_limit(10);
  req.set_keys_only(true);
  json = MessageToGatewayJson(req);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"key":"YQ==","limit":"10","sort_order":"DESCEND","keys_only":true})");
}

TEST(GatewayJsonTest, ParsesOrigAndCamelNamesStringAndNumberInts) {
  etcdserverpb::RangeRequest req;
  ASSERT_TRUE(GatewayJsonToMessage(R"({"key":"Zm9v","range_end":"Zm9w","limit":"5","revision":3,)"
                                   R"("sort_order":"DESCEND","serializable":true})",
                                   &req)
                  .ok());
  EXPECT_EQ(req.key(), "foo");
  EXPECT_EQ(req.range_end(), "fop");
  EXPECT_EQ(req.limit(), 5);
  EXPECT_EQ(req.revision(), 3);
  EXPECT_EQ(req.sort_order(), etcdserverpb::RangeRequest::DESCEND);
  EXPECT_TRUE(req.serializable());

  ASSERT_TRUE(
      GatewayJsonToMessage(R"({"key":"Zm9v","rangeEnd":"Zm9w","countOnly":true})", &req).ok());
  EXPECT_EQ(req.range_end(), "fop");
  EXPECT_TRUE(req.count_only());
  EXPECT_EQ(req.limit(), 0) << "the message is cleared first";
}

TEST(GatewayJsonTest, ParsesTxnWithOneofs) {
  etcdserverpb::TxnRequest txn;
  ASSERT_TRUE(GatewayJsonToMessage(
                  R"({"compare":[{"key":"Zm9v","result":"EQUAL","target":"VALUE","value":"YmFy"}],)"
                  R"("success":[{"request_put":{"key":"Zm9v","value":"YmF6"}}],)"
                  R"("failure":[{"request_range":{"key":"Zm9v"}}]})",
                  &txn)
                  .ok());
  ASSERT_EQ(txn.compare_size(), 1);
  EXPECT_EQ(txn.compare(0).target(), etcdserverpb::Compare::VALUE);
  EXPECT_EQ(txn.compare(0).value(), "bar");
  ASSERT_EQ(txn.success_size(), 1);
  EXPECT_EQ(txn.success(0).request_put().value(), "baz");
  ASSERT_EQ(txn.failure_size(), 1);
  EXPECT_TRUE(txn.failure(0).has_request_range());
}

TEST(GatewayJsonTest, MalformedMessagesNameTheProblem) {
  etcdserverpb::PutRequest put;
  EXPECT_EQ(GatewayJsonToMessage("not json", &put).message(),
            R"(malformed JSON for etcdserverpb.PutRequest: Unexpected token. (near "not json"))");
  EXPECT_EQ(GatewayJsonToMessage(R"({"lease":"x"})", &put).message(),
            R"(malformed JSON for etcdserverpb.PutRequest: (lease): invalid value "x" for type )"
            "TYPE_INT64");
}

TEST(GatewayJsonTest, UnknownFieldsIgnoredEmptyBodyIsEmptyRequest) {
  etcdserverpb::PutRequest put;
  ASSERT_TRUE(GatewayJsonToMessage(R"({"key":"Zm9v","no_such_field":[1,2]})", &put).ok());
  EXPECT_EQ(put.key(), "foo");
  ASSERT_TRUE(GatewayJsonToMessage("", &put).ok());
  EXPECT_EQ(put.key(), "");
  ASSERT_TRUE(GatewayJsonToMessage(" \r\n\t", &put).ok());
}

TEST(GatewayJsonTest, MalformedInputIsInvalidArgument) {
  etcdserverpb::PutRequest put;
  for (const char* bad : {R"({"key": "Zm9v")", "not json", R"({"key": 5})", R"({"lease":"x"})",
                          R"({"key":"***"})", R"([1,2])"}) {
    Status s = GatewayJsonToMessage(bad, &put);
    EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << bad << " -> " << s.ToString();
    EXPECT_THAT(s.message(), StartsWith("malformed JSON for etcdserverpb.PutRequest: ")) << bad;
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    EXPECT_EQ(put.key(), "") << "a failed parse leaves the message empty";
  }
}

class KvGatewayTest : public ::testing::Test {
 protected:
  FakeKv kv_;
  Metrics metrics_;
};

TEST_F(KvGatewayTest, PutThenRangeMatchDocExamples) {
  KvGateway gw(&kv_, &metrics_, std::chrono::seconds(10));
  GatewayReply put = gw.Handle("put", R"({"key": "Zm9v", "value": "YmFy"})");
  EXPECT_EQ(put.http_status, 200);
  EXPECT_EQ(put.body, std::string(R"({"header":)") + kDocHeader + "}");

  GatewayReply range = gw.Handle("range", R"({"key": "Zm9v"})");
  EXPECT_EQ(range.http_status, 200);
  EXPECT_EQ(range.body, std::string(R"({"header":)") + kDocHeader +
                            R"(,"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2",)"
                            R"("version":"1","value":"YmFy"}],"count":"1"})");
  EXPECT_EQ(metrics_.requests_served(), 2u);
}

TEST_F(KvGatewayTest, UnknownOpIs404) {
  KvGateway gw(&kv_, &metrics_, std::chrono::seconds(10));
  GatewayReply r = gw.Handle("lease", "{}");
  EXPECT_EQ(r.http_status, 404);
  EXPECT_EQ(kv_.calls(), 0);
}

TEST_F(KvGatewayTest, MalformedBodyIs400AndNotForwarded) {
  KvGateway gw(&kv_, &metrics_, std::chrono::seconds(10));
  GatewayReply r = gw.Handle("put", R"({"key": )");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_THAT(r.body, HasSubstr(R"("code":3)"));
  EXPECT_THAT(r.body, HasSubstr("malformed JSON for etcdserverpb.PutRequest"));
  EXPECT_EQ(kv_.calls(), 0);
  EXPECT_EQ(metrics_.requests_served(), 0u);
}

TEST_F(KvGatewayTest, DeadlineGives504) {
  KvGateway gw(&kv_, &metrics_, std::chrono::milliseconds(50));
  kv_.Hold(true);
  GatewayReply r = gw.Handle("range", R"({"key":"Zm9v"})");
  EXPECT_EQ(r.http_status, 504);
  EXPECT_EQ(r.body, R"({"error":"context deadline exceeded","message":"context deadline exceeded",)"
                    R"("code":4})");
  // The late answer lands on a waiter nobody waits for: harmless.
  kv_.ReleaseHeld();
  EXPECT_THAT(metrics_.SerializeText(),
              HasSubstr("grpc_server_handled_total{grpc_code=\"DeadlineExceeded\","
                        "grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\","
                        "grpc_type=\"unary\"} 1"));
}

TEST_F(KvGatewayTest, ShutdownWakesWaitersAndRefusesNewCalls) {
  KvGateway gw(&kv_, &metrics_, std::chrono::seconds(60));
  kv_.Hold(true);
  GatewayReply blocked;
  std::thread t([&] { blocked = gw.Handle("put", R"({"key":"Zm9v"})"); });
  kv_.WaitForCalls(1);
  const auto start = std::chrono::steady_clock::now();
  gw.Shutdown();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(blocked.http_status, 503);
  EXPECT_THAT(blocked.body, HasSubstr(R"("error":"etcdserver: server stopped")"));
  EXPECT_THAT(blocked.body, HasSubstr(R"("code":14)"));

  GatewayReply after = gw.Handle("range", R"({"key":"Zm9v"})");
  EXPECT_EQ(after.http_status, 503);
  EXPECT_EQ(kv_.calls(), 1) << "no call reaches the frontend after Shutdown";
  kv_.ReleaseHeld();
}

}  // namespace
}  // namespace strata::api
