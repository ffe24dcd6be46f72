// Applier: the etcd v3 KV state machine over an MvccStore.
//
// Applies committed raft commands (serialized strata.requestpb.
// InternalRequest) with etcd 3.5's semantics (server/etcdserver/apply.go),
// serves linearizable and serializable reads (Range, read-only Txn) from the
// store directly, and exports/imports the whole kv state for raft
// snapshots. It is shaped for node::StateMachine without depending on it:
// the API layer's StateMachine delegates apply / export_state /
// import_state to Apply / ExportState / ImportState and wraps ApplyResponse
// into node::ApplyResult.
//
// Determinism: applying the same commands in the same order gives the same
// bytes on every replica (no clock, no randomness, no dependence on
// physical compaction progress). A command that fails on its own terms
// fails identically everywhere, changes no key, and still writes the
// caller's extra_writes.
//
// Not done here (the API layer's job, before proposing): request validation
// (etcd_validate.h), auth, quotas, request size limits, filling the header's
// cluster_id / member_id / raft_term.
//
// Leases: the applier keeps the replicated lease table (lease_table.h):
// grants, revokes (which delete the attached keys in one revision) and the
// keys each put attaches. When leases expire is decided elsewhere.
//
// Thread-safety: Apply and ImportState must be called from one thread at a
// time (the apply loop). RunCompaction may run on a background thread
// concurrently with them (MvccStore::CompactStep serializes with writers).
// Range, ReadOnlyTxn and ExportState may run concurrently with everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/lease_table.h"
#include "kv/mvcc_store.h"
#include "kv/types.h"
#include "storage/write_batch.h"
#include "strata/request.pb.h"

namespace strata::kv {

struct ApplierOptions {
  // Commit each applied command with a synced engine write. The raft log
  // already holds the command durably and the applied index commits with
  // its effects, so replay after a crash recovers unsynced applies.
  // Default: false.
  bool sync_apply = false;
  // After a compaction is applied (or a snapshot imported), drop the
  // compacted history before Apply returns, as etcd's `physical` flag
  // waits for. When false, the caller runs RunCompaction (e.g. on a
  // background thread) and answers a physical compaction only once
  // ApplyResponse::compaction_pending work is done. Default: true.
  bool compact_inline = true;
  // History entries per CompactStep engine write. Default: 10000.
  size_t compact_step_entries = 10000;
};

// What applying one command produced.
struct ApplyResponse {
  using Response =
      std::variant<std::monostate, etcdserverpb::RangeResponse, etcdserverpb::PutResponse,
                   etcdserverpb::DeleteRangeResponse, etcdserverpb::TxnResponse,
                   etcdserverpb::CompactionResponse, etcdserverpb::LeaseGrantResponse,
                   etcdserverpb::LeaseRevokeResponse>;

  // OK, or the request-level failure etcd reports as an error: an etcd
  // error (etcd_errors.h, e.g. kKeyNotFound, kLeaseNotFound, kCompacted) or
  // kInvalidArgument for a command that is not a parseable kv request.
  // On failure `response` is std::monostate, no key changed, and the
  // command took no revision.
  Status error;
  // The etcd response of the request's kind. Header: only revision is set
  // (the store's revision after the request); the API layer fills
  // cluster_id, member_id and raft_term.
  Response response;
  // The changes the request made, in order (for watchers).
  std::vector<Event> events;
  // True when compacted history is still waiting to be dropped (only with
  // ApplierOptions::compact_inline false).
  bool compaction_pending = false;
  // Leases granted and revoked by the request (for the lessor).
  std::vector<std::pair<int64_t, int64_t>> leases_granted;  // id, ttl
  std::vector<int64_t> leases_revoked;
};

class Applier {
 public:
  // store is not owned and must outlive the applier. The lease table starts
  // empty: call LoadLeases() before applying to a store that may hold some.
  explicit Applier(MvccStore* store, ApplierOptions options = {});

  // Reads the lease table from the store's engine. Errors: engine errors,
  // kCorruption.
  Status LoadLeases();
  // The replicated lease table (read-only outside the apply path).
  const LeaseTable& leases() const { return leases_; }
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  // Applies one serialized strata.requestpb.InternalRequest: its effects
  // and extra_writes (e.g. the raft applied index) reach the engine in ONE
  // atomic write. Handles range, put, delete_range, txn, compaction,
  // lease_grant (REQUIRES: id != 0, ttl > 0) and lease_revoke; any other kind, or bytes that do not
  // parse, fail the request with kInvalidArgument (extra_writes are still written). Errors (the
  // returned Result, not ApplyResponse::error): engine errors; the write did not happen and the
  // replica must stop applying. REQUIRES: extra_writes do not touch column family mvcc or
  // KvMetaKey() keys; the request passed the etcd_validate.h checks at the API edge (unvalidated
  // input still applies deterministically, see README.md).
  Result<ApplyResponse> Apply(std::string_view command, const storage::WriteBatch& extra_writes);
  // As above, for a request already parsed.
  Result<ApplyResponse> Apply(const requestpb::InternalRequest& request,
                              const storage::WriteBatch& extra_writes);

  // Brackets a run of Apply calls whose writes reach the engine together,
  // in one atomic write at CommitBatch (MvccStore::BeginBatch): each Apply
  // sees the ones before it, readers see none of them until CommitBatch.
  // An inline compaction (compact_inline) commits the batch so far first.
  // REQUIRES: no batch open. CommitBatch errors: engine errors (fatal).
  void BeginBatch();
  Status CommitBatch();

  // etcd's Range served from the store (after ReadIndex for linearizable
  // reads; `serializable` is the API layer's business and ignored here).
  // Errors: kInvalidSortOption, kCompacted, kFutureRev (etcd errors);
  // engine errors.
  Result<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request) const;

  // A read-only Txn (IsTxnReadOnly) served from one consistent view of the
  // store, as etcd serves them without raft. Header revision: the store's
  // revision. Errors: kInvalidArgument if the txn is not read-only; as
  // Range; engine errors.
  Result<etcdserverpb::TxnResponse> ReadOnlyTxn(const etcdserverpb::TxnRequest& request) const;

  // A consistent view of the kv state for streaming it (MvccStore::
  // CaptureState; kv/state_transfer.h). Safe from any thread.
  Result<std::shared_ptr<const storage::ReadView>> CaptureState() const;
  // Replaces the whole kv state with a staged one plus extra_writes in one
  // atomic, crash-safe step (MvccStore::InstallState), then reloads the
  // lease table and drops compacted history the snapshot still carried if
  // compact_inline (else the caller runs RunCompaction while
  // MvccStore::CompactionPending). Errors: engine errors.
  Status InstallState(const StagedState& staged, const storage::WriteBatch& extra_writes);

  // The whole kv state as one string (MvccStore::ExportState; tests).
  Result<std::string> ExportState() const;
  // As InstallState, from a whole image (MvccStore::ImportState).
  // Errors: kCorruption for bad data (nothing written); engine errors.
  Status ImportState(std::string_view data, const storage::WriteBatch& extra_writes);

  // Drops compacted history until none is left (MvccStore::CompactStep in
  // steps of compact_step_entries). Errors: engine errors.
  Status RunCompaction();

 private:
  // Applies request's kv effects to txn. Request-level failures are etcd
  // errors; anything else is fatal.
  Status ApplyTo(WriteTxn* txn, const requestpb::InternalRequest& request, ApplyResponse* response,
                 LeaseChanges* lease_changes);
  // Writes only extra_writes (a failed request's bookkeeping).
  Status CommitExtraOnly(const storage::WriteBatch& extra_writes);
  // Brings what the applier keeps in memory in line with a replaced state.
  Status StateReplaced();

  MvccStore* const store_;
  const ApplierOptions options_;
  LeaseTable leases_;
};

}  // namespace strata::kv
