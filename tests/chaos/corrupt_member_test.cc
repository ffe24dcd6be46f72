// A member whose stored history silently changes (a value rewritten behind
// RocksDB's checksums, as a bad disk or a bug would) is found by the
// leader's consistency check (--corrupt-check-interval): the CORRUPT alarm
// names it, every member then refuses writes with etcd's "corrupt cluster"
// error and /health fails, while reads keep being served. With
// --initial-corrupt-check a member starts only if its peers agree with it.
#include <gtest/gtest.h>

#include "kv/history_key.h"
#include "kv/record.h"
#include "storage/rocks_engine.h"
#include "tests/chaos/stubs.h"
#include "tests/integration/harness.h"

namespace strata::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Cluster;
using testing::WaitFor;

const std::vector<std::string> kCheckOften = {"--corrupt-check-interval=200"};

grpc::Status Put(Stubs& s, const std::string& key, const std::string& value,
                 etcdserverpb::PutResponse* response) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(10000));
  return s.kv->Put(&ctx, request, response);
}

// The value of key as s sees it; "" when absent or on error.
std::string Get(Stubs& s, const std::string& key, bool serializable) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  request.set_serializable(serializable);
  etcdserverpb::RangeResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(10000));
  if (!s.kv->Range(&ctx, request, &response).ok() || response.kvs_size() != 1) return "";
  return response.kvs(0).value();
}

std::vector<std::pair<uint64_t, int>> Alarms(Stubs& s) {
  etcdserverpb::AlarmRequest request;
  request.set_action(etcdserverpb::AlarmRequest::GET);
  etcdserverpb::AlarmResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(10000));
  std::vector<std::pair<uint64_t, int>> out;
  if (!s.maintenance->Alarm(&ctx, request, &response).ok()) return {{0, -1}};
  for (const auto& a : response.alarms()) out.emplace_back(a.memberid(), a.alarm());
  return out;
}

uint64_t MemberId(Stubs& s) {
  etcdserverpb::StatusResponse status;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(5000));
  return s.maintenance->Status(&ctx, {}, &status).ok() ? status.header().member_id() : 0;
}

// The value of a counter in member i's /metrics (-1 if absent).
double Counter(const Cluster& c, int i, const std::string& name) {
  testing::CommandResult r =
      testing::Run({"curl", "-fsS", "--max-time", "5",
                    "http://127.0.0.1:" + std::to_string(c.member(i).metrics_port) + "/metrics"},
                   "", seconds(10));
  const size_t at = r.out.find("\n" + name + " ");
  if (r.exit_code != 0 || at == std::string::npos) return -1;
  return std::atof(r.out.c_str() + at + name.size() + 2);
}

// Rewrites the value of key's version at revision in a stopped member's
// store, keeping the record well-formed.
Status RewriteValue(const std::string& data_dir, const std::string& key, int64_t revision,
                    const std::string& value) {
  auto engine = storage::RocksEngine::Open(data_dir + "/db");
  STRATA_RETURN_IF_ERROR(engine.status());
  const std::string history_key = kv::HistoryKey(key, kv::Revision{revision, 0});
  auto stored = (*engine)->Get(storage::ColumnFamily::kMvcc, history_key);
  STRATA_RETURN_IF_ERROR(stored.status());
  if (!stored->has_value()) return Status::NotFound("no version of " + key + " at that revision");
  auto record = kv::DecodeRecord(**stored);
  STRATA_RETURN_IF_ERROR(record.status());
  storage::WriteBatch batch;
  batch.Put(storage::ColumnFamily::kMvcc, history_key,
            kv::EncodePut(record->create_revision, record->version, record->lease, value));
  STRATA_RETURN_IF_ERROR((*engine)->Write(batch, /*sync=*/true));
  return (*engine)->Close();
}

TEST(CorruptMemberTest, TheLeaderFindsARewrittenValueAndTheClusterStopsWriting) {
  Cluster c(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Start(i, kCheckOften));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.WaitHealthy(i, seconds(60))) << c.LogTail(i);
  const int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  const int victim = (leader + 1) % 3;
  const int bystander = (leader + 2) % 3;
  Stubs to_leader(c.member(leader).client_endpoint());
  Stubs to_victim(c.member(victim).client_endpoint());

  etcdserverpb::PutResponse put;
  ASSERT_TRUE(Put(to_leader, "victim", "good", &put).ok());
  const int64_t revision = put.header().revision();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put(to_leader, "k" + std::to_string(i), "v", &put).ok());
  // Healthy members agree: checks pass and raise nothing.
  ASSERT_TRUE(
      WaitFor([&] { return c.LogTail(leader, 400).find("2 members agree") != std::string::npos; },
              seconds(30)))
      << c.LogTail(leader);
  EXPECT_TRUE(Alarms(to_leader).empty());
  ASSERT_TRUE(WaitFor([&] { return Get(to_victim, "victim", true) == "good"; }));
  const uint64_t victim_id = MemberId(to_victim);
  ASSERT_NE(victim_id, 0u);

  // A member whose peers agree with it passes the start-up check.
  c.Stop(bystander);
  std::vector<std::string> with_start_check = kCheckOften;
  with_start_check.push_back("--initial-corrupt-check");
  ASSERT_TRUE(c.Start(bystander, with_start_check));
  ASSERT_TRUE(c.WaitHealthy(bystander, seconds(60))) << c.LogTail(bystander);
  EXPECT_NE(c.LogTail(bystander, 400).find("2 peers agree"), std::string::npos)
      << c.LogTail(bystander);

  c.Stop(victim);
  Status rewritten = RewriteValue(c.member(victim).data_dir, "victim", revision, "evil");
  ASSERT_TRUE(rewritten.ok()) << rewritten.ToString();
  ASSERT_TRUE(c.Start(victim, kCheckOften));

  const std::vector<std::pair<uint64_t, int>> corrupt = {{victim_id, etcdserverpb::CORRUPT}};
  ASSERT_TRUE(WaitFor([&] { return Alarms(to_leader) == corrupt; }, seconds(60)))
      << c.LogTail(leader) << c.LogTail(victim);
  double mismatches = 0, checks = 0;
  for (int i = 0; i < 3; ++i) {
    mismatches += std::max(0.0, Counter(c, i, "strata_corruption_mismatches_total"));
    checks += std::max(0.0, Counter(c, i, "strata_corruption_checks_total"));
  }
  EXPECT_EQ(mismatches, 1) << "one member found different, once";
  EXPECT_GE(checks, 2) << "checks that passed, then the one that found it";
  // Writes stop everywhere; reads go on (the victim serves what it holds).
  for (Stubs* s : {&to_leader, &to_victim}) {
    grpc::Status refused = Put(*s, "after", "v", &put);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::DATA_LOSS) << refused.error_message();
    EXPECT_EQ(refused.error_message(), "etcdserver: corrupt cluster");
  }
  EXPECT_EQ(Get(to_leader, "victim", false), "good");
  EXPECT_EQ(Get(to_victim, "victim", true), "evil");
  EXPECT_EQ(Get(to_leader, "after", false), "") << "a refused write changes nothing";
  EXPECT_FALSE(c.Healthy(leader)) << "/health reports the alarm";

  // The victim refuses to start with the start-up check: its peers differ.
  c.Stop(victim);
  testing::CommandResult refused =
      testing::Run(c.CommandLine(victim, with_start_check), "", seconds(120));
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE((refused.out + refused.err).find("found data inconsistency with peers"),
            std::string::npos)
      << refused.out << refused.err;
}

}  // namespace
}  // namespace strata::chaos
