#include "strata/transaction.h"

#include <map>
#include <mutex>

#include "client/convert.h"
#include "client/core.h"
#include "client/kv_ops.h"
#include "client/text.h"

namespace strata::client {
namespace internal {

struct TxnState {
  enum class Phase { kOpen, kCommitted, kRolledBack };

  TxnState(std::shared_ptr<Core> c, TransactionOptions o) : core(std::move(c)), options(o) {}

  Result<std::optional<std::string>> Get(std::string_view key);
  Result<WriteResult> Commit();
  Error Finished(std::string_view what) const {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(what) + ": the transaction was already " +
                     (phase == Phase::kCommitted ? "committed" : "rolled back"));
  }

  std::shared_ptr<Core> core;
  const TransactionOptions options;
  std::mutex mu;  // Guards everything below.
  Phase phase = Phase::kOpen;
  int64_t read_revision = 0;
  std::map<std::string, int64_t> read_mod;  // Key -> mod_revision seen (0: absent).
  std::map<std::string, std::optional<std::string>> read_values;
  std::map<std::string, std::optional<std::string>> writes;  // nullopt: delete.
};

Result<std::optional<std::string>> TxnState::Get(std::string_view key) {
  const std::string what = "transaction get " + QuoteKey(key);
  std::lock_guard lock(mu);
  if (phase != Phase::kOpen) return Finished(what);
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  const std::string k(key);
  if (auto w = writes.find(k); w != writes.end()) return w->second;
  if (auto r = read_values.find(k); r != read_values.end()) return r->second;
  ReadOptions read{.consistency = options.consistency, .revision = read_revision};
  auto r = core->Range(MakeRange(k, "", 0, read), what, core->DeadlineAfter(options.timeout));
  if (!r.ok()) {
    if (!r.error().Is(ErrorCode::kCompacted)) return r.error();
    // The snapshot is gone: the transaction can only start over.
    return Error(ErrorCode::kConflict, what + ": the snapshot at revision " +
                                           std::to_string(read_revision) + " was compacted");
  }
  if (read_revision == 0) read_revision = r->header().revision();
  std::optional<std::string> value;
  int64_t mod = 0;
  if (!r->kvs().empty()) {
    value = r->kvs(0).value();
    mod = r->kvs(0).mod_revision();
  }
  read_mod[k] = mod;
  read_values[k] = value;
  return value;
}

Result<WriteResult> TxnState::Commit() {
  std::lock_guard lock(mu);
  if (phase != Phase::kOpen) return Finished("commit");
  phase = Phase::kCommitted;
  if (writes.empty()) return WriteResult{read_revision};
  const size_t max_ops = static_cast<size_t>(core->options().max_txn_ops);
  const std::string what = "commit of a transaction reading " + std::to_string(read_mod.size()) +
                           " and writing " + std::to_string(writes.size()) + " keys";
  if (read_mod.size() > max_ops || writes.size() > max_ops) {
    return Error(ErrorCode::kInvalidArgument,
                 what + ": more than max_txn_ops (" + std::to_string(max_ops) + ")");
  }
  if (writes.contains("")) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  etcdserverpb::TxnRequest txn;
  for (const auto& [key, mod] : read_mod) {
    *txn.add_compare() = ModRevisionIs(key, mod);
    // If a compare fails, these tell which key changed.
    *txn.add_failure() = RangeOp(key);
    txn.mutable_failure()->rbegin()->mutable_request_range()->set_keys_only(true);
  }
  for (const auto& [key, value] : writes) {
    *txn.add_success() = value ? PutOp(key, *value) : DeleteOp(key);
  }
  auto r =
      core->Txn(txn, what, core->DeadlineAfter(options.timeout), options.retry_if_outcome_unknown);
  if (!r.ok()) return r.error();
  if (r->succeeded()) return WriteResult{r->header().revision()};
  std::string changed;
  int i = 0;
  for (const auto& [key, mod] : read_mod) {
    const auto& kvs = r->responses(i++).response_range().kvs();
    const int64_t now = kvs.empty() ? 0 : kvs[0].mod_revision();
    if (now == mod) continue;
    if (!changed.empty()) changed += ", ";
    changed += QuoteKey(key) + " (mod_revision " + std::to_string(mod) + " -> " +
               std::to_string(now) + ")";
  }
  return Error(ErrorCode::kConflict, what + ": changed since read: " + changed);
}

}  // namespace internal

Transaction::Transaction(std::shared_ptr<internal::Core> core, TransactionOptions options)
    : state_(std::make_shared<internal::TxnState>(std::move(core), options)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

Result<std::optional<std::string>> Transaction::get(std::string_view key) {
  return state_->Get(key);
}

std::future<Result<std::optional<std::string>>> Transaction::get_async(std::string key) {
  return state_->core->Async<std::optional<std::string>>(
      [state = state_, key = std::move(key)] { return state->Get(key); });
}

void Transaction::put(std::string_view key, std::string_view value) {
  std::lock_guard lock(state_->mu);
  if (state_->phase == internal::TxnState::Phase::kOpen) {
    state_->writes[std::string(key)] = std::string(value);
  }
}

void Transaction::remove(std::string_view key) {
  std::lock_guard lock(state_->mu);
  if (state_->phase == internal::TxnState::Phase::kOpen) {
    state_->writes[std::string(key)] = std::nullopt;
  }
}

Result<WriteResult> Transaction::commit() { return state_->Commit(); }

std::future<Result<WriteResult>> Transaction::commit_async() {
  return state_->core->Async<WriteResult>([state = state_] { return state->Commit(); });
}

void Transaction::rollback() {
  std::lock_guard lock(state_->mu);
  if (state_->phase != internal::TxnState::Phase::kOpen) return;
  state_->phase = internal::TxnState::Phase::kRolledBack;
  state_->writes.clear();
}

int64_t Transaction::read_revision() const {
  std::lock_guard lock(state_->mu);
  return state_->read_revision;
}

}  // namespace strata::client
