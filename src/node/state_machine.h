// StateMachine: what a range replica applies committed commands to.
//
// The node layer owns ordering and durability of the log; a StateMachine
// turns each committed command into writes. It must be deterministic: the
// same commands in the same order give the same bytes on every replica.
#pragma once

#include <any>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "node/snapshot_stream.h"
#include "raft/types.h"
#include "storage/write_batch.h"

namespace strata::node {

// What applying one command produced, handed back to the proposer.
struct ApplyResult {
  Status status;
  // State-machine specific response (e.g. an etcd PutResponse).
  std::any response;
};

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies the committed command at `index`. The command's writes and
  // `node_writes` (the node's bookkeeping: applied index, membership) must
  // reach the engine in ONE atomic write, so a crash never separates them.
  // A command that fails on its own terms (a failed compare, a missing
  // lease) reports that in the result and still writes node_writes; the same
  // command must fail the same way on every replica. A non-OK return from
  // the engine write is fatal for the replica.
  virtual ApplyResult apply(raft::Index index, std::string_view command,
                            const storage::WriteBatch& node_writes) = 0;

  // Bracket the apply and apply_conf_change calls for the committed entries
  // of one Ready, in index order. A state machine may defer the writes of
  // the calls in between and make them in one atomic write in end_batch()
  // (keeping each call's writes and node_writes together and in order);
  // the node reports no result of the batch before end_batch() returns.
  // Default: nothing is deferred.
  virtual void begin_batch() {}
  virtual void end_batch() {}

  // Records a committed membership change at `index`. `membership` is the
  // new membership, or why raft refused the change (it then changes
  // nothing). `cc.context` is what the proposer attached (e.g. the new
  // member's name and URLs). Writes node_writes and any bookkeeping of its
  // own in one atomic write, like apply().
  virtual ApplyResult apply_conf_change(raft::Index index, const raft::ConfChange& cc,
                                        const Result<raft::ConfState>& membership,
                                        const storage::WriteBatch& node_writes) = 0;

  // ---- Snapshots ----
  //
  // A follower that needs a snapshot gets the state as of the leader's
  // applied index, in one of two ways. Whole: export_state() builds the
  // image in memory and raft carries it (small states, tests). Streamed:
  // capture_snapshot() takes a cheap consistent image that the transport
  // reads in chunks, and the follower's receive_snapshot() stages the chunks
  // as they arrive; raft then carries only small descriptors. Either way the
  // follower's import_state() gets what raft carried.

  // The whole state, serialized, as of the last applied command.
  virtual Result<std::string> export_state() const = 0;

  // A consistent image of the state as of the last applied command, cheap
  // to take (e.g. an engine view); runs on the raft loop between applies.
  // nullptr: send export_state() whole. Default: nullptr.
  virtual Result<std::unique_ptr<SnapshotImage>> capture_snapshot() const {
    return std::unique_ptr<SnapshotImage>();
  }

  // A writer staging an image streamed from another replica's
  // capture_snapshot(), for the snapshot at md. Called from transport
  // threads, concurrently with everything else. nullptr: the transport
  // assembles the image in memory and import_state gets it whole.
  // Default: nullptr.
  virtual Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(
      const raft::SnapshotMetadata& /*md*/) {
    return std::unique_ptr<SnapshotWriter>();
  }

  // Replaces the whole state with `data` (from export_state, or what a
  // receive_snapshot writer finished with), writing it and `node_writes`
  // atomically and crash-safely. Errors: kCorruption for bad data (nothing
  // is written); engine errors.
  virtual Status import_state(std::string_view data, const storage::WriteBatch& node_writes) = 0;
};

}  // namespace strata::node
