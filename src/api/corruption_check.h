// The leader's consistency check (etcd's --experimental-corrupt-check-time):
// members that applied the same entries hold the same MVCC history, so the
// leader hashes its own at its current revision, asks every other member for
// its hash at that revision (peer call kHashCall) and raises the CORRUPT
// alarm through raft for a member whose history differs. While CORRUPT is
// raised the cluster refuses writes with etcd's "corrupt cluster" error and
// keeps serving reads, so a bad disk or a bug cannot spread further.
//
// The verdicts are etcd's: a peer with the leader's compacted revision must
// have the leader's hash; a peer never has a later compacted revision than
// the leader; and the leader's own hash of one revision must not change
// between two readings (its history changed under it). A peer that cannot
// answer (down, behind the revision, compacted past it) is skipped.
//
// Thread-safety: CheckOnce runs on one thread at a time; the functions in
// the deps are called from it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "kv/types.h"

namespace strata::api {

// The peer-call method that asks a member for its HashKV.
inline constexpr char kHashCall[] = "kv/hash";

struct CorruptionCheckDeps {
  uint64_t self = 0;
  // This member's hash at revision (0: its current one).
  std::function<Result<kv::HashResult>(int64_t revision)> hash;
  // The other voting members.
  std::function<std::vector<uint64_t>()> peers;
  // Member `to`'s hash at revision, through a peer call.
  std::function<Result<kv::HashResult>(uint64_t to, int64_t revision)> peer_hash;
  // Raises CORRUPT for member through raft.
  std::function<Status(uint64_t member)> raise_corrupt;
};

struct CorruptionCheckReport {
  int64_t revision = 0;  // The revision compared.
  int peers_checked = 0;
  std::vector<uint64_t> corrupt;  // Members CORRUPT was raised for, in order found.
};

class CorruptionChecker {
 public:
  explicit CorruptionChecker(CorruptionCheckDeps deps);

  // One check, run by the leader: compares every peer's hash with its own
  // and raises CORRUPT for each member found different. Errors: the local
  // hash's; raise_corrupt's (the other verdicts still stand in the log).
  Result<CorruptionCheckReport> CheckOnce();

  // The start-up check (etcd's --experimental-initial-corrupt-check), run
  // by a member before it serves clients: its hash at its own revision
  // against the peers' at that revision. Raises nothing. Errors:
  // kCorruption naming the peers that have the same compacted revision and
  // another hash; the local hash's.
  Status CheckSelfAgainstPeers();

 private:
  CorruptionCheckDeps deps_;
};

// A kHashCall payload: the revision to hash (etcd's HashKVRequest).
std::string EncodeHashCall(int64_t revision);
Result<int64_t> DecodeHashCall(const std::string& payload);
// Its answer (etcd's HashKVResponse: hash, compact revision, and the
// revision hashed in the header).
std::string EncodeHashReply(const kv::HashResult& hash);
Result<kv::HashResult> DecodeHashReply(const std::string& payload);

}  // namespace strata::api
