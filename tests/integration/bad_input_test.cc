// Bad input gets etcd's error and changes nothing; the cluster keeps serving.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/grpc_client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new Cluster(3);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->LogTail(0);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    // Whatever was refused, the cluster still takes writes.
    auto put = cluster_->Etcdctl({"put", "still/alive", "yes"});
    EXPECT_EQ(put.exit_code, 0) << put.err;
  }
  static void ExpectError(const CommandResult& r, const std::string& message) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
  }
  static Cluster* cluster_;
};

Cluster* BadInputTest::cluster_ = nullptr;

TEST_F(BadInputTest, OversizedValueIsRefused) {
  // Above --max-request-bytes (1.5 MiB) but within the gRPC limits of both sides.
  std::string value(1600 * 1024, 'v');
  auto r = cluster_->Etcdctl({"put", "big"}, value);
  ExpectError(r, "etcdserver: request is too large");
  EXPECT_EQ(cluster_->Etcdctl({"get", "big"}).out, "");
}

TEST_F(BadInputTest, EmptyKeyIsRefused) {
  EtcdClient client(cluster_->member(0).client_endpoint());
  grpc::Status s = client.Put("", "v");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "etcdserver: key is not provided");
}

TEST_F(BadInputTest, TxnWithTooManyOpsIsRefused) {
  std::string script = "\n";
  for (int i = 0; i < 129; ++i) script += "put many/" + std::to_string(i) + " v\n";
  script += "\n\n";
  ExpectError(cluster_->Etcdctl({"txn"}, script), "etcdserver: too many operations in txn request");
  EXPECT_EQ(cluster_->Etcdctl({"get", "many/", "--prefix", "--keys-only"}).out, "");
}

TEST_F(BadInputTest, DuplicateKeyInTxnIsRefused) {
  std::string script = "\nput dup/k a\nput dup/k b\n\n\n";
  ExpectError(cluster_->Etcdctl({"txn"}, script), "etcdserver: duplicate key given in txn request");
  EXPECT_EQ(cluster_->Etcdctl({"get", "dup/k"}).out, "");
}

TEST_F(BadInputTest, UnknownMemberIsNotFound) {
  ExpectError(cluster_->Etcdctl({"member", "remove", "1234abcd"}), "etcdserver: member not found");
  ExpectError(cluster_->Etcdctl({"member", "promote", "1234abcd"}), "etcdserver: member not found");
}

TEST_F(BadInputTest, CompactedAndFutureRevisions) {
  ASSERT_EQ(cluster_->Etcdctl({"put", "rev/a", "1"}).exit_code, 0);
  ASSERT_EQ(cluster_->Etcdctl({"put", "rev/a", "2"}).exit_code, 0);
  EtcdClient client(cluster_->member(0).client_endpoint());
  etcdserverpb::StatusResponse st;
  ASSERT_TRUE(client.Status(&st).ok());
  int64_t rev = st.header().revision();
  ASSERT_EQ(cluster_->Etcdctl({"compaction", std::to_string(rev)}).exit_code, 0);
  ExpectError(cluster_->Etcdctl({"get", "rev/a", "--rev=" + std::to_string(rev - 1)}),
              "etcdserver: mvcc: required revision has been compacted");
  ExpectError(cluster_->Etcdctl({"get", "rev/a", "--rev=" + std::to_string(rev + 1000)}),
              "etcdserver: mvcc: required revision is a future revision");
  ExpectError(cluster_->Etcdctl({"compaction", std::to_string(rev - 1)}),
              "etcdserver: mvcc: required revision has been compacted");
}

}  // namespace
}  // namespace strata::testing

namespace strata::testing {
namespace {

TEST(QuotaTest, FullQuotaRefusesWritesKeepsReadsAndRaisesNospace) {
  Cluster c(1);
  // A short raft log, so that freeing space drops the big entries from it too.
  ASSERT_TRUE(c.Start(0, {"--quota-backend-bytes=200000", "--snapshot-count=10"}));
  ASSERT_TRUE(c.WaitHealthy(0)) << c.LogTail(0);
  std::string value(100000, 'x');
  ASSERT_EQ(c.Etcdctl({"put", "q/first"}, value).exit_code, 0);
  // The engine's size is sampled; writes are refused once it shows the excess.
  CommandResult refused;
  ASSERT_TRUE(WaitFor([&] {
    refused = c.Etcdctl({"put", "q/more"}, value);
    return refused.exit_code != 0;
  }));
  EXPECT_NE(refused.err.find("etcdserver: mvcc: database space exceeded"), std::string::npos)
      << refused.err;
  EXPECT_EQ(c.Etcdctl({"get", "q/first", "--keys-only"}).out, "q/first\n\n");
  EXPECT_NE(c.Etcdctl({"alarm", "list"}).out.find("alarm:NOSPACE"), std::string::npos);
  EXPECT_FALSE(c.Healthy(0)) << "/health fails while an alarm is raised";

  // Free the space (deletes and compaction are allowed), then disarm.
  // Puts of q/more may have landed before a size sample saw the excess.
  ASSERT_EQ(c.Etcdctl({"del", "q/", "--prefix"}).exit_code, 0);
  for (int i = 0; i < 15; ++i) ASSERT_EQ(c.Etcdctl({"del", "q/none"}).exit_code, 0);
  auto status = c.Etcdctl({"get", "q/none", "-w", "json"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(status.out, m, std::regex("\"revision\":(\\d+)")));
  ASSERT_EQ(c.Etcdctl({"compaction", "--physical", m[1]}).exit_code, 0);
  ASSERT_EQ(c.Etcdctl({"defrag"}).exit_code, 0);
  auto disarmed = c.Etcdctl({"alarm", "disarm"});
  ASSERT_EQ(disarmed.exit_code, 0) << disarmed.err;
  EXPECT_NE(disarmed.out.find("alarm:NOSPACE"), std::string::npos) << disarmed.out;
  CommandResult after;
  EXPECT_TRUE(WaitFor([&] {
    after = c.Etcdctl({"put", "q/after", "small"});
    return after.exit_code == 0;
  })) << after.err
      << c.LogTail(0);
  EXPECT_EQ(c.Etcdctl({"alarm", "list"}).out, "");
  EXPECT_TRUE(c.Healthy(0));
}

}  // namespace
}  // namespace strata::testing
