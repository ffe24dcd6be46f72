#include "kv/applier.h"

#include "kv/etcd_errors.h"
#include "kv/etcd_ops.h"
#include "kv/etcd_validate.h"
#include "kv/state_format.h"
#include "kv/state_transfer.h"

namespace strata::kv {
namespace {

using requestpb::InternalRequest;

// REQUIRES of Apply and ImportState: the caller's entries stay out of the
// kv layer's keys, or they would be overwritten or clobber kv state.
void AssertOutsideKv(const storage::WriteBatch& batch) {
  const std::string prefix = KvMetaPrefix();
  const std::string prefix_end = KvMetaPrefixEnd();
  for (const storage::WriteBatch::Op& op : batch.ops()) {
    STRATA_ASSERT_MSG(op.cf != storage::ColumnFamily::kMvcc, "extra write to column family mvcc");
    if (op.cf != storage::ColumnFamily::kMeta) continue;
    if (op.type == storage::WriteBatch::OpType::kDeleteRange) {
      STRATA_ASSERT_MSG(op.value <= prefix || op.key >= prefix_end,
                        "extra range delete overlaps kv meta keys");
    } else {
      STRATA_ASSERT_MSG(!op.key.starts_with(prefix), "extra write to a kv meta key");
    }
  }
}

// A request-level failure (answered to the client) rather than a fatal one.
bool IsRequestError(const Status& s) { return AsEtcdError(s).has_value(); }

bool IsKvRequest(const InternalRequest& request) {
  switch (request.request_case()) {
    case InternalRequest::kRange:
    case InternalRequest::kPut:
    case InternalRequest::kDeleteRange:
    case InternalRequest::kTxn:
    case InternalRequest::kCompaction:
    case InternalRequest::kLeaseGrant:
    case InternalRequest::kLeaseRevoke:
      return true;
    default:
      return false;
  }
}

}  // namespace

Applier::Applier(MvccStore* store, ApplierOptions options) : store_(store), options_(options) {
  STRATA_ASSERT(store_ != nullptr);
  STRATA_ASSERT(options_.compact_step_entries > 0);
}

Status Applier::LoadLeases() { return leases_.Reload(store_->reader()); }

Result<ApplyResponse> Applier::Apply(std::string_view command,
                                     const storage::WriteBatch& extra_writes) {
  InternalRequest request;
  if (!request.ParseFromArray(command.data(), static_cast<int>(command.size()))) {
    AssertOutsideKv(extra_writes);
    STRATA_RETURN_IF_ERROR(CommitExtraOnly(extra_writes));
    ApplyResponse response;
    response.error =
        Status::InvalidArgument("kv: command is not a strata.requestpb.InternalRequest");
    return response;
  }
  return Apply(request, extra_writes);
}

Result<ApplyResponse> Applier::Apply(const InternalRequest& request,
                                     const storage::WriteBatch& extra_writes) {
  AssertOutsideKv(extra_writes);
  ApplyResponse response;
  if (!IsKvRequest(request)) {
    // Deterministic on every replica; the proposer should not have sent it.
    STRATA_RETURN_IF_ERROR(CommitExtraOnly(extra_writes));
    response.error = Status::InvalidArgument(
        "kv: request kind " + std::to_string(request.request_case()) + " is not a kv request");
    return response;
  }
  Status applied;
  {
    Result<std::unique_ptr<WriteTxn>> txn = store_->BeginWrite();
    STRATA_RETURN_IF_ERROR(txn.status());
    LeaseChanges lease_changes;
    applied = ApplyTo(txn->get(), request, &response, &lease_changes);
    if (applied.ok()) {
      response.events = (*txn)->events();
      leases_.StageEvents(response.events, (*txn)->batch(), &lease_changes);
      (*txn)->batch()->Append(extra_writes);
      STRATA_RETURN_IF_ERROR((*txn)->Commit(options_.sync_apply));
      leases_.Published(lease_changes);
      response.leases_granted = lease_changes.granted;
      response.leases_revoked = lease_changes.revoked;
    } else if (!IsRequestError(applied)) {
      return applied;  // Fatal; the transaction is discarded.
    }
  }
  if (!applied.ok()) {
    // The failed request's staged changes went with its transaction.
    STRATA_RETURN_IF_ERROR(CommitExtraOnly(extra_writes));
    response.error = applied;
    response.response = std::monostate{};
    response.events.clear();
    return response;
  }
  if (request.has_compaction()) {
    if (options_.compact_inline) {
      // Dropping history needs the compaction in the engine.
      const bool batched = store_->batch_open();
      if (batched) STRATA_RETURN_IF_ERROR(store_->CommitBatch(options_.sync_apply));
      STRATA_RETURN_IF_ERROR(RunCompaction());
      response.compaction_pending = store_->CompactionPending();
      if (batched) store_->BeginBatch();
    } else {
      // In a batch the compaction is published at CommitBatch: pending.
      response.compaction_pending = store_->batch_open() || store_->CompactionPending();
    }
  }
  return response;
}

void Applier::BeginBatch() { store_->BeginBatch(); }

Status Applier::CommitBatch() { return store_->CommitBatch(options_.sync_apply); }

Status Applier::ApplyTo(WriteTxn* txn, const InternalRequest& request, ApplyResponse* response,
                        LeaseChanges* lease_changes) {
  WriteOpsView view(txn, store_->CompactedRevision(), &leases_);
  switch (request.request_case()) {
    case InternalRequest::kRange: {
      Result<etcdserverpb::RangeResponse> r = ExecuteRange(view, request.range());
      STRATA_RETURN_IF_ERROR(r.status());
      response->response = std::move(r).value();
      return Status::Ok();
    }
    case InternalRequest::kPut: {
      Result<etcdserverpb::PutResponse> r = ExecutePut(view, request.put(), /*check_lease=*/true);
      STRATA_RETURN_IF_ERROR(r.status());
      response->response = std::move(r).value();
      return Status::Ok();
    }
    case InternalRequest::kDeleteRange: {
      Result<etcdserverpb::DeleteRangeResponse> r =
          ExecuteDeleteRange(view, request.delete_range());
      STRATA_RETURN_IF_ERROR(r.status());
      response->response = std::move(r).value();
      return Status::Ok();
    }
    case InternalRequest::kTxn: {
      Result<etcdserverpb::TxnResponse> r = ExecuteTxn(view, request.txn());
      STRATA_RETURN_IF_ERROR(r.status());
      response->response = std::move(r).value();
      return Status::Ok();
    }
    case InternalRequest::kCompaction: {
      STRATA_RETURN_IF_ERROR(ToEtcdStatus(txn->Compact(request.compaction().revision())));
      etcdserverpb::CompactionResponse r;
      r.mutable_header()->set_revision(txn->current_revision());
      response->response = std::move(r);
      return Status::Ok();
    }
    case InternalRequest::kLeaseGrant: {
      const etcdserverpb::LeaseGrantRequest& grant = request.lease_grant();
      if (grant.id() == 0 || grant.ttl() <= 0) {
        return MakeEtcdError(EtcdError::kLeaseNotFound);  // The API edge never proposes these.
      }
      if (leases_.Exists(grant.id())) return MakeEtcdError(EtcdError::kLeaseExist);
      leases_.StageGrant(grant.id(), grant.ttl(), txn->batch(), lease_changes);
      etcdserverpb::LeaseGrantResponse r;
      r.mutable_header()->set_revision(txn->current_revision());
      r.set_id(grant.id());
      r.set_ttl(grant.ttl());
      response->response = std::move(r);
      return Status::Ok();
    }
    case InternalRequest::kLeaseRevoke: {
      std::optional<Lease> lease = leases_.Get(request.lease_revoke().id());
      if (!lease) return MakeEtcdError(EtcdError::kLeaseNotFound);
      // The attached keys go in one revision, as etcd's lessor does.
      for (const std::string& key : lease->keys) {
        STRATA_RETURN_IF_ERROR(txn->DeleteRange(key, "").status());
      }
      leases_.StageRevoke(lease->id, txn->batch(), lease_changes);
      etcdserverpb::LeaseRevokeResponse r;
      r.mutable_header()->set_revision(txn->current_revision());
      response->response = std::move(r);
      return Status::Ok();
    }
    default:
      break;
  }
  STRATA_ASSERT_MSG(false, "not a kv request");
  return Status::Internal("not a kv request");
}

Status Applier::CommitExtraOnly(const storage::WriteBatch& extra_writes) {
  Result<std::unique_ptr<WriteTxn>> txn = store_->BeginWrite();
  STRATA_RETURN_IF_ERROR(txn.status());
  (*txn)->batch()->Append(extra_writes);
  return (*txn)->Commit(options_.sync_apply);
}

Result<etcdserverpb::RangeResponse> Applier::Range(
    const etcdserverpb::RangeRequest& request) const {
  Result<std::unique_ptr<ReadTxn>> txn = store_->BeginRead();
  STRATA_RETURN_IF_ERROR(txn.status());
  ReadOpsView view(txn->get(), &leases_);
  return ExecuteRange(view, request);
}

Result<etcdserverpb::TxnResponse> Applier::ReadOnlyTxn(
    const etcdserverpb::TxnRequest& request) const {
  if (!IsTxnReadOnly(request)) {
    return Status::InvalidArgument("kv: ReadOnlyTxn given a txn that may write");
  }
  Result<std::unique_ptr<ReadTxn>> txn = store_->BeginRead();
  STRATA_RETURN_IF_ERROR(txn.status());
  ReadOpsView view(txn->get(), &leases_);
  return ExecuteTxn(view, request);
}

Result<std::shared_ptr<const storage::ReadView>> Applier::CaptureState() const {
  return store_->CaptureState();
}

Status Applier::InstallState(const StagedState& staged, const storage::WriteBatch& extra_writes) {
  AssertOutsideKv(extra_writes);
  STRATA_RETURN_IF_ERROR(store_->InstallState(staged, extra_writes));
  return StateReplaced();
}

Result<std::string> Applier::ExportState() const { return store_->ExportState(); }

Status Applier::ImportState(std::string_view data, const storage::WriteBatch& extra_writes) {
  AssertOutsideKv(extra_writes);
  STRATA_RETURN_IF_ERROR(store_->ImportState(data, extra_writes));
  return StateReplaced();
}

Status Applier::StateReplaced() {
  STRATA_RETURN_IF_ERROR(leases_.Reload(store_->reader()));
  if (options_.compact_inline) STRATA_RETURN_IF_ERROR(RunCompaction());
  return Status::Ok();
}

Status Applier::RunCompaction() {
  while (true) {
    Result<bool> done = store_->CompactStep(options_.compact_step_entries);
    STRATA_RETURN_IF_ERROR(done.status());
    if (*done) return Status::Ok();
  }
}

}  // namespace strata::kv
