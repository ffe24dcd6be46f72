// CorruptionChecker's verdicts against scripted hashes: agreement raises
// nothing; a different hash at the same compaction, a later compaction or
// an answer for another revision raises CORRUPT for that peer; a leader
// whose own hash of one revision changes raises it for itself; peers that
// cannot answer are skipped. And the start-up check, which only reports.
#include "api/corruption_check.h"

#include <gtest/gtest.h>

#include <map>

namespace strata::api {
namespace {

constexpr uint64_t kLeader = 1;

kv::HashResult Hash(uint32_t hash, int64_t revision, int64_t compacted) {
  return kv::HashResult{hash, revision, compacted, revision};
}

struct Fixture {
  // What the leader's two readings return, in order.
  std::vector<kv::HashResult> mine = {Hash(7, 100, 10), Hash(7, 100, 10)};
  std::map<uint64_t, Result<kv::HashResult>> peers;
  std::vector<int64_t> asked_revisions;
  std::vector<uint64_t> raised;
  Status raise_status = Status::Ok();
  size_t readings = 0;

  CorruptionChecker Make() {
    CorruptionCheckDeps deps;
    deps.self = kLeader;
    deps.hash = [this](int64_t) -> Result<kv::HashResult> { return mine.at(readings++); };
    deps.peers = [this] {
      std::vector<uint64_t> ids;
      for (const auto& [id, unused] : peers) ids.push_back(id);
      return ids;
    };
    deps.peer_hash = [this](uint64_t to, int64_t revision) {
      asked_revisions.push_back(revision);
      return peers.at(to);
    };
    deps.raise_corrupt = [this](uint64_t member) {
      raised.push_back(member);
      return raise_status;
    };
    return CorruptionChecker(std::move(deps));
  }
};

TEST(CorruptionCheckTest, AgreeingMembersRaiseNothing) {
  Fixture f;
  f.peers.emplace(2, Hash(7, 100, 10));
  f.peers.emplace(3, Hash(7, 100, 10));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->revision, 100);
  EXPECT_EQ(report->peers_checked, 2);
  EXPECT_TRUE(report->corrupt.empty());
  EXPECT_TRUE(f.raised.empty());
  EXPECT_EQ(f.asked_revisions, (std::vector<int64_t>{100, 100})) << "peers hash the leader's";
}

TEST(CorruptionCheckTest, ADifferentHashAtTheSameCompactionIsCorrupt) {
  Fixture f;
  f.peers.emplace(2, Hash(7, 100, 10));
  f.peers.emplace(3, Hash(8, 100, 10));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->corrupt, (std::vector<uint64_t>{3}));
  EXPECT_EQ(f.raised, (std::vector<uint64_t>{3}));
}

TEST(CorruptionCheckTest, ADifferentHashAtAnEarlierCompactionIsNotCompared) {
  Fixture f;
  // The peer has not applied the leader's compaction yet: it hashes more history.
  f.peers.emplace(2, Hash(99, 100, 5));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->peers_checked, 1);
  EXPECT_TRUE(f.raised.empty());
}

TEST(CorruptionCheckTest, APeerCompactedPastTheLeaderIsCorrupt) {
  Fixture f;
  f.peers.emplace(2, Hash(7, 100, 20));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(f.raised, (std::vector<uint64_t>{2}));
}

TEST(CorruptionCheckTest, AnAnswerForAnotherRevisionIsCorrupt) {
  Fixture f;
  f.peers.emplace(2, Hash(7, 101, 10));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(f.raised, (std::vector<uint64_t>{2}));
}

TEST(CorruptionCheckTest, PeersThatCannotAnswerAreSkipped) {
  Fixture f;
  f.peers.emplace(2, Status::Unavailable("member 2 is down"));
  f.peers.emplace(3,
                  Status::OutOfRange("etcdserver: mvcc: required revision is a future revision"));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->peers_checked, 0);
  EXPECT_TRUE(f.raised.empty());
}

TEST(CorruptionCheckTest, ALeaderWhoseHistoryChangesUnderItIsCorrupt) {
  Fixture f;
  f.mine = {Hash(7, 100, 10), Hash(9, 100, 10)};
  f.peers.emplace(2, Hash(7, 100, 10));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(f.raised, (std::vector<uint64_t>{kLeader}));
}

TEST(CorruptionCheckTest, ACompactionBetweenTheLeadersReadingsIsNotCorruption) {
  Fixture f;
  f.mine = {Hash(7, 100, 10), Hash(9, 100, 50)};
  f.peers.emplace(2, Hash(7, 100, 10));
  auto report = f.Make().CheckOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(f.raised.empty());
}

TEST(CorruptionCheckTest, AFailedRaiseIsReportedAfterEveryVerdict) {
  Fixture f;
  f.peers.emplace(2, Hash(8, 100, 10));
  f.peers.emplace(3, Hash(9, 100, 10));
  f.raise_status = Status::Unavailable("no leader");
  auto report = f.Make().CheckOnce();
  EXPECT_TRUE(report.status().Is(StatusCode::kUnavailable));
  EXPECT_EQ(f.raised, (std::vector<uint64_t>{2, 3}));
}

TEST(CorruptionCheckTest, ALocalHashErrorEndsTheCheck) {
  Fixture f;
  CorruptionCheckDeps deps;
  deps.hash = [](int64_t) -> Result<kv::HashResult> { return Status::IOError("disk"); };
  deps.peers = [] { return std::vector<uint64_t>{2}; };
  bool asked = false;
  deps.peer_hash = [&](uint64_t, int64_t) -> Result<kv::HashResult> {
    asked = true;
    return Hash(1, 1, 0);
  };
  deps.raise_corrupt = [](uint64_t) { return Status::Ok(); };
  EXPECT_TRUE(CorruptionChecker(std::move(deps)).CheckOnce().status().Is(StatusCode::kIOError));
  EXPECT_FALSE(asked);
}

TEST(CorruptionCheckTest, StartUpCheckPassesWhenComparablePeersAgree) {
  Fixture f;
  f.peers.emplace(2, Hash(7, 100, 10));
  f.peers.emplace(3, Hash(99, 100, 5));  // Another compaction: not comparable.
  f.peers.emplace(4, Status::Unavailable("down"));
  EXPECT_TRUE(f.Make().CheckSelfAgainstPeers().ok());
  EXPECT_TRUE(f.raised.empty());
}

TEST(CorruptionCheckTest, StartUpCheckFailsNamingThePeersThatDiffer) {
  Fixture f;
  f.peers.emplace(2, Hash(8, 100, 10));
  f.peers.emplace(3, Hash(7, 100, 10));
  f.peers.emplace(0xab, Hash(9, 100, 10));
  Status s = f.Make().CheckSelfAgainstPeers();
  EXPECT_TRUE(s.Is(StatusCode::kCorruption)) << s.ToString();
  EXPECT_NE(s.message().find("member(s) 2 ab"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("found data inconsistency with peers"), std::string::npos);
  EXPECT_TRUE(f.raised.empty()) << "the start-up check raises no alarm";
}

TEST(CorruptionCheckTest, CallAndReplyRoundTrip) {
  auto revision = DecodeHashCall(EncodeHashCall(42));
  ASSERT_TRUE(revision.ok());
  EXPECT_EQ(*revision, 42);
  auto reply = DecodeHashReply(EncodeHashReply(Hash(0xdeadbeef, 42, 7)));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->hash, 0xdeadbeefu);
  EXPECT_EQ(reply->hash_revision, 42);
  EXPECT_EQ(reply->compact_revision, 7);
  EXPECT_TRUE(DecodeHashCall("\xff\xff").status().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(DecodeHashReply("\xff\xff").status().Is(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace strata::api
