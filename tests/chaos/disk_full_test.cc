// A member whose data directory fills: it raises NOSPACE (through raft, so
// every member refuses writes), does not crash, keeps serving reads, and
// takes writes again once space is freed and the alarm is disarmed.
//
// The member's data directory is a small tmpfs mounted by the test (root
// only; skipped with a message otherwise). Writes go through another
// member, so the full member never sees them at its edge: only its own
// periodic space check can stop them (before that check, the disk filled
// and the raft loop aborted on ENOSPC).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "base/status.h"
#include "tests/chaos/stubs.h"
#include "tests/integration/harness.h"

namespace strata::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Cluster;
using testing::WaitFor;

constexpr uint64_t kMiB = 1 << 20;

grpc::Status Put(Stubs& s, const std::string& key, const std::string& value) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(10000));
  return s.kv->Put(&ctx, request, &response);
}

Result<int64_t> Count(Stubs& s, const std::string& prefix, bool serializable) {
  etcdserverpb::RangeRequest request;
  request.set_key(prefix);
  request.set_range_end(prefix.substr(0, prefix.size() - 1) + static_cast<char>(prefix.back() + 1));
  request.set_count_only(true);
  request.set_serializable(serializable);
  etcdserverpb::RangeResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(10000));
  grpc::Status st = s.kv->Range(&ctx, request, &response);
  if (!st.ok()) return Status::Unavailable(st.error_message());
  return response.count();
}

grpc::Status Alarm(Stubs& s, etcdserverpb::AlarmRequest::AlarmAction action, uint64_t member,
                   etcdserverpb::AlarmResponse* response) {
  etcdserverpb::AlarmRequest request;
  request.set_action(action);
  request.set_memberid(member);
  request.set_alarm(action == etcdserverpb::AlarmRequest::GET ? etcdserverpb::NONE
                                                              : etcdserverpb::NOSPACE);
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(10000));
  return s.maintenance->Alarm(&ctx, request, response);
}

// Stops the members, then unmounts (declared after the cluster: runs first).
struct Unmount {
  Cluster* cluster;
  std::string dir;
  ~Unmount() {
    for (int i = 0; i < cluster->size(); ++i) cluster->Stop(i, /*hard=*/true);
    umount2(dir.c_str(), MNT_DETACH);
  }
};

void FillAMember() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a size-limited tmpfs; not root";
  Cluster c(3);
  const std::string small = c.member(0).data_dir;
  std::filesystem::create_directories(small);
  if (mount("tmpfs", small.c_str(), "tmpfs", 0, "size=160m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs on " << small << ": " << std::strerror(errno);
  }
  Unmount unmount{&c, small};
  // Writes stop with 80 MiB still free: room for the flushes of what the
  // memtables hold (32 MiB each).
  ASSERT_TRUE(c.Start(0, {"--disk-reserve-bytes=" + std::to_string(80 * kMiB)}));
  ASSERT_TRUE(c.Start(1));
  ASSERT_TRUE(c.Start(2));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.WaitHealthy(i, seconds(60))) << c.LogTail(i);
  Stubs full(c.member(0).client_endpoint());
  Stubs other(c.member(1).client_endpoint());
  etcdserverpb::StatusResponse status;
  {
    grpc::ClientContext ctx;
    SetTimeout(&ctx, milliseconds(5000));
    ASSERT_TRUE(full.maintenance->Status(&ctx, {}, &status).ok());
  }
  const uint64_t full_id = status.header().member_id();

  const std::string value(1 * kMiB, 'x');
  int64_t acked = 0;
  grpc::Status refused;
  for (int i = 0; i < 400 && refused.ok(); ++i) {
    grpc::Status s = Put(other, "big/" + std::to_string(i), value);
    if (s.ok()) {
      ++acked;
    } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      refused = s;
    } else {
      ASSERT_TRUE(false) << "put " << i << ": " << s.error_message() << "\n" << c.LogTail(0);
    }
  }
  ASSERT_FALSE(refused.ok()) << "160 MiB never filled after " << acked << " puts of 1 MiB";
  EXPECT_NE(refused.error_message().find("database space exceeded"), std::string::npos)
      << refused.error_message();
  EXPECT_GT(acked, 10);

  // The alarm names the full member; writes through any member are refused.
  etcdserverpb::AlarmResponse alarms;
  ASSERT_TRUE(Alarm(other, etcdserverpb::AlarmRequest::GET, 0, &alarms).ok());
  ASSERT_EQ(alarms.alarms_size(), 1);
  EXPECT_EQ(alarms.alarms(0).memberid(), full_id);
  EXPECT_EQ(alarms.alarms(0).alarm(), etcdserverpb::NOSPACE);
  EXPECT_EQ(Put(full, "small", "v").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Put(other, "small", "v").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The full member is alive and serves every acknowledged write. The
  // linearizable read comes first: it returns once the member has applied
  // every acknowledged write, which a serializable read does not wait for.
  for (bool serializable : {false, true}) {
    Result<int64_t> n = Count(full, "big/", serializable);
    ASSERT_TRUE(n.ok()) << n.status().ToString() << "\n" << c.LogTail(0);
    EXPECT_EQ(*n, acked) << "serializable=" << serializable;
  }

  // Free space, disarm: writes work again, and the member is healthy.
  ASSERT_EQ(mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT, "size=1g"), 0)
      << std::strerror(errno);
  ASSERT_TRUE(Alarm(other, etcdserverpb::AlarmRequest::DEACTIVATE, full_id, &alarms).ok());
  ASSERT_TRUE(Alarm(other, etcdserverpb::AlarmRequest::GET, 0, &alarms).ok());
  EXPECT_EQ(alarms.alarms_size(), 0) << alarms.DebugString();
  grpc::Status after;
  std::string first_error;
  EXPECT_TRUE(WaitFor(
      [&] {
        after = Put(full, "after", "v");
        if (!after.ok() && first_error.empty()) first_error = after.error_message();
        return after.ok();
      },
      seconds(30)))
      << first_error << " / " << after.error_message() << "\n"
      << (Alarm(other, etcdserverpb::AlarmRequest::GET, 0, &alarms).ok() ? alarms.DebugString()
                                                                         : "no alarm list")
      << testing::Run({"df", small}).out << c.LogTail(0);
  EXPECT_TRUE(c.WaitHealthy(0, seconds(30))) << c.LogTail(0);
  Result<int64_t> n = Count(full, "big/", /*serializable=*/false);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, acked);
}

// Regression: the disarm right after freeing space used to be undone at
// once, as the member raised the alarm again from its last measurement
// (taken before the space was freed).
TEST(DiskFullTest, FullMemberRaisesNospaceKeepsReadsAndRecoversAfterDisarm) { FillAMember(); }

}  // namespace
}  // namespace strata::chaos
