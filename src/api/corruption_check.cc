#include "api/corruption_check.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "etcd/etcdserverpb/rpc.pb.h"

namespace strata::api {

CorruptionChecker::CorruptionChecker(CorruptionCheckDeps deps) : deps_(std::move(deps)) {}

Result<CorruptionCheckReport> CorruptionChecker::CheckOnce() {
  Result<kv::HashResult> mine = deps_.hash(0);
  if (!mine.ok()) return mine.status();
  const int64_t revision = mine->hash_revision;
  CorruptionCheckReport report;
  report.revision = revision;
  std::vector<std::pair<uint64_t, kv::HashResult>> answers;
  for (uint64_t peer : deps_.peers()) {
    Result<kv::HashResult> theirs = deps_.peer_hash(peer, revision);
    if (!theirs.ok()) {
      spdlog::debug("corruption check: member {:x} gave no hash at revision {}: {}", peer, revision,
                    theirs.status().ToString());
      continue;
    }
    answers.emplace_back(peer, *theirs);
  }
  // Read again: the same revision hashed twice must not change (compaction
  // meanwhile may move the compacted revision, which changes what is hashed).
  Result<kv::HashResult> again = deps_.hash(revision);
  if (!again.ok()) return again.status();

  Status raised = Status::Ok();
  auto corrupt = [&](uint64_t member, const std::string& why) {
    if (std::find(report.corrupt.begin(), report.corrupt.end(), member) != report.corrupt.end()) {
      return;
    }
    spdlog::error("corruption check at revision {}: member {:x} {}; raising CORRUPT", revision,
                  member, why);
    report.corrupt.push_back(member);
    Status s = deps_.raise_corrupt(member);
    if (!s.ok() && raised.ok()) raised = s;
  };
  if (again->compact_revision == mine->compact_revision && again->hash != mine->hash) {
    corrupt(deps_.self, "(the leader) hashed one revision twice and got " +
                            std::to_string(mine->hash) + " then " + std::to_string(again->hash));
  }
  for (const auto& [peer, theirs] : answers) {
    ++report.peers_checked;
    if (theirs.hash_revision != revision) {
      corrupt(peer, "answered for revision " + std::to_string(theirs.hash_revision));
    } else if (theirs.compact_revision > again->compact_revision) {
      corrupt(peer, "is compacted to revision " + std::to_string(theirs.compact_revision) +
                        ", past the leader's " + std::to_string(again->compact_revision));
    } else if (theirs.compact_revision == mine->compact_revision && theirs.hash != mine->hash) {
      corrupt(peer, "has hash " + std::to_string(theirs.hash) + ", the leader " +
                        std::to_string(mine->hash) + " (both compacted to " +
                        std::to_string(theirs.compact_revision) + ")");
    }
  }
  if (!raised.ok()) return raised;
  return report;
}

Status CorruptionChecker::CheckSelfAgainstPeers() {
  Result<kv::HashResult> mine = deps_.hash(0);
  if (!mine.ok()) return mine.status();
  const int64_t revision = mine->hash_revision;
  std::string differ;
  int checked = 0;
  for (uint64_t peer : deps_.peers()) {
    Result<kv::HashResult> theirs = deps_.peer_hash(peer, revision);
    if (!theirs.ok()) {
      spdlog::warn("start-up corruption check: member {:x} gave no hash at revision {}: {}", peer,
                   revision, theirs.status().ToString());
      continue;
    }
    if (theirs->compact_revision != mine->compact_revision) continue;  // Not comparable.
    ++checked;
    if (theirs->hash != mine->hash) differ += fmt::format(" {:x}", peer);
  }
  if (!differ.empty()) {
    return Status::Corruption(
        fmt::format("member {:x}: the history up to revision {} differs from that of member(s){} "
                    "(HashKV {} here); found data inconsistency with peers",
                    deps_.self, revision, differ, mine->hash));
  }
  spdlog::info("start-up corruption check at revision {}: {} peers agree", revision, checked);
  return Status::Ok();
}

std::string EncodeHashCall(int64_t revision) {
  etcdserverpb::HashKVRequest request;
  request.set_revision(revision);
  return request.SerializeAsString();
}

Result<int64_t> DecodeHashCall(const std::string& payload) {
  etcdserverpb::HashKVRequest request;
  if (!request.ParseFromString(payload)) {
    return Status::InvalidArgument(std::string(kHashCall) + ": payload is not a HashKVRequest");
  }
  return request.revision();
}

std::string EncodeHashReply(const kv::HashResult& hash) {
  etcdserverpb::HashKVResponse response;
  response.mutable_header()->set_revision(hash.hash_revision);
  response.set_hash(hash.hash);
  response.set_compact_revision(hash.compact_revision);
  return response.SerializeAsString();
}

Result<kv::HashResult> DecodeHashReply(const std::string& payload) {
  etcdserverpb::HashKVResponse response;
  if (!response.ParseFromString(payload)) {
    return Status::InvalidArgument(std::string(kHashCall) + ": answer is not a HashKVResponse");
  }
  kv::HashResult hash;
  hash.hash = response.hash();
  hash.compact_revision = response.compact_revision();
  hash.hash_revision = response.header().revision();
  hash.revision = response.header().revision();
  return hash;
}

}  // namespace strata::api
