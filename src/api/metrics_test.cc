#include "api/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace strata::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, ExposesEtcdNamesWithEtcdTypes) {
  Metrics m;
  std::string text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_has_leader gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_is_leader gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_leader_changes_seen_total counter"));
  // etcd exposes these two "_total"s as gauges holding raft indexes.
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_proposals_committed_total gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_proposals_applied_total gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_proposals_pending gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_server_proposals_failed_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_disk_wal_fsync_duration_seconds histogram"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_disk_backend_commit_duration_seconds histogram"));
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_mvcc_db_total_size_in_bytes gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE strata_raft_term gauge"));
  EXPECT_THAT(text, HasSubstr("# TYPE strata_raft_apply_duration_seconds histogram"));
  EXPECT_THAT(text, HasSubstr("# TYPE strata_mvcc_latest_cache_hits_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE strata_mvcc_latest_cache_misses_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE strata_mvcc_latest_cache_bytes gauge"));
  // Labelled families appear with their first series, as in Go.
  EXPECT_THAT(text, Not(HasSubstr("grpc_server_handled_total")));
  m.observe_request("/etcdserverpb.KV/Range", 0, 0.001);
  text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handled_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
}

TEST(MetricsTest, IncrementsShowUpInText) {
  Metrics m;
  m.has_leader().Set(1);
  m.leader_changes_seen().Increment();
  m.leader_changes_seen().Increment();
  m.proposals_committed().Increment();
  m.proposals_committed().Increment();
  m.proposals_committed().Increment();
  m.proposals_applied().Set(42);
  m.proposals_pending().Set(5);
  m.proposals_failed().Increment();
  m.db_total_size_bytes().Set(4096);
  m.raft_term().Set(7);
  m.corruption_checks().Increment();
  m.corruption_mismatches().Increment();
  std::string text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("\netcd_server_has_leader 1\n"));
  EXPECT_THAT(text, HasSubstr("\netcd_server_leader_changes_seen_total 2\n"));
  EXPECT_THAT(text, HasSubstr("\netcd_server_proposals_committed_total 3\n"));
  EXPECT_THAT(text, HasSubstr("\netcd_server_proposals_applied_total 42\n"));
  EXPECT_THAT(text, HasSubstr("\netcd_server_proposals_pending 5\n"));
  EXPECT_THAT(text, HasSubstr("\netcd_server_proposals_failed_total 1\n"));
  EXPECT_THAT(text, HasSubstr("\netcd_mvcc_db_total_size_in_bytes 4096\n"));
  EXPECT_THAT(text, HasSubstr("\nstrata_raft_term 7\n"));
  EXPECT_THAT(text, HasSubstr("\nstrata_corruption_checks_total 1\n"));
  EXPECT_THAT(text, HasSubstr("\nstrata_corruption_mismatches_total 1\n"));
}

TEST(MetricsTest, LatestCacheCountersFollowTheRunningTotals) {
  Metrics m;
  m.set_latest_cache(10, 4, 1000);
  m.set_latest_cache(25, 4, 3000);
  std::string text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("\nstrata_mvcc_latest_cache_hits_total 25\n"));
  EXPECT_THAT(text, HasSubstr("\nstrata_mvcc_latest_cache_misses_total 4\n"));
  EXPECT_THAT(text, HasSubstr("\nstrata_mvcc_latest_cache_bytes 3000\n"));
}

TEST(MetricsTest, DiskHistogramsUseEtcdBuckets) {
  Metrics m;
  m.wal_fsync_duration().Observe(0.0003);   // below the first bucket
  m.wal_fsync_duration().Observe(0.003);    // in (0.002, 0.004]
  m.backend_commit_duration().Observe(20);  // above the last bucket
  std::string text = m.SerializeText();
  // ExponentialBuckets(0.001, 2, 14): 0.001 .. 8.192.
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_count 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"16.384\"}")));
  EXPECT_THAT(text,
              HasSubstr("etcd_disk_backend_commit_duration_seconds_bucket{le=\"8.192\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_backend_commit_duration_seconds_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_backend_commit_duration_seconds_sum 20\n"));
}

TEST(MetricsTest, ApplyHistogramBuckets) {
  Metrics m;
  m.apply_duration().Observe(0.00015);
  std::string text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("strata_raft_apply_duration_seconds_bucket{le=\"0.0001\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("strata_raft_apply_duration_seconds_bucket{le=\"0.0002\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("strata_raft_apply_duration_seconds_bucket{le=\"52.4288\"} 1\n"));
}

TEST(MetricsTest, ObserveRequestUsesGoGrpcPrometheusLabels) {
  Metrics m;
  m.observe_request("/etcdserverpb.KV/Put", 0, 0.002);
  m.observe_request("/etcdserverpb.KV/Put", 0, 0.02);
  m.observe_request("/etcdserverpb.KV/Range", 11, 0.3);
  m.observe_request("/etcdserverpb.Watch/Watch", 1, 2.0, RpcType::kBidiStream);
  m.observe_request("Status", 99, 0.001);
  EXPECT_EQ(m.requests_served(), 5u);

  std::string text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\","
                              "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_code=\"OutOfRange\",grpc_method=\"Range\","
                        "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_code=\"Canceled\",grpc_method=\"Watch\","
                        "grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"Unknown\",grpc_method="
                              "\"Status\",grpc_service=\"\",grpc_type=\"unary\"} 1\n"));
  // The latency histogram has no grpc_code label; prometheus.DefBuckets.
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{grpc_method=\"Put\","
                              "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"0.005\"} "
                              "1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{grpc_method=\"Put\","
                              "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"0.025\"} "
                              "2\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handling_seconds_bucket{grpc_method=\"Put\","
                        "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"10\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{grpc_method=\"Range\","
                              "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1\n"));
}

TEST(MetricsTest, GrpcCodeNamesAreGos) {
  EXPECT_EQ(Metrics::GrpcCodeName(0), "OK");
  EXPECT_EQ(Metrics::GrpcCodeName(1), "Canceled");
  EXPECT_EQ(Metrics::GrpcCodeName(3), "InvalidArgument");
  EXPECT_EQ(Metrics::GrpcCodeName(9), "FailedPrecondition");
  EXPECT_EQ(Metrics::GrpcCodeName(14), "Unavailable");
  EXPECT_EQ(Metrics::GrpcCodeName(16), "Unauthenticated");
  EXPECT_EQ(Metrics::GrpcCodeName(17), "Unknown");
  EXPECT_EQ(Metrics::GrpcCodeName(-1), "Unknown");
}

TEST(MetricsTest, ExponentialBucketsMatchPrometheusGo) {
  std::vector<double> b = Metrics::ExponentialBuckets(0.001, 2, 14);
  ASSERT_EQ(b.size(), 14u);
  EXPECT_DOUBLE_EQ(b.front(), 0.001);
  EXPECT_DOUBLE_EQ(b.back(), 8.192);
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Metrics m;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kPerThread; ++i) {
        m.observe_request(t % 2 == 0 ? "/etcdserverpb.KV/Put" : "/etcdserverpb.KV/Range", 0, 0.001);
        m.proposals_failed().Increment();
        m.wal_fsync_duration().Observe(0.001);
        if (i % 100 == 0) (void)m.SerializeText();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.requests_served(), static_cast<uint64_t>(kThreads * kPerThread));
  std::string text = m.SerializeText();
  EXPECT_THAT(text, HasSubstr("\netcd_server_proposals_failed_total 8000\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_count 8000\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\","
                              "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 4000\n"));
}

}  // namespace
}  // namespace strata::api
