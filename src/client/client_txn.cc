// Client's transactions: begin_transaction and the retry loop around it.
#include <algorithm>

#include "client/core.h"
#include "strata/client.h"

namespace strata::client {

Transaction Client::begin_transaction(const TransactionOptions& options) {
  return Transaction(core_, options);
}

Result<WriteResult> Client::run_transaction(const TransactionFn& fn, int max_retries,
                                            const TransactionOptions& options) {
  return RunTransaction(core_, fn, max_retries, options);
}

Result<WriteResult> Client::RunTransaction(const std::shared_ptr<internal::Core>& core,
                                           const TransactionFn& fn, int max_retries,
                                           const TransactionOptions& options) {
  std::optional<Error> last;
  for (int attempt = 0; attempt <= max_retries; ++attempt) {
    // A conflict means another transaction just committed: retry at once,
    // then with short jittered pauses (capped, so that a loser is not
    // starved by transactions that did not have to wait).
    if (attempt > 1 && !core->Backoff(std::min(attempt - 1, 3), internal::Deadline::max())) break;
    Transaction txn(core, options);
    Result<void> body = fn(txn);
    if (!body.ok()) {
      txn.rollback();
      if (!body.error().Is(ErrorCode::kConflict)) return body.error();
      last = body.error();
      continue;
    }
    Result<WriteResult> committed = txn.commit();
    if (committed.ok() || !committed.error().Is(ErrorCode::kConflict)) return committed;
    last = committed.error();
  }
  std::string text =
      "run_transaction: gave up after " + std::to_string(max_retries + 1) + " conflicting attempts";
  if (last) text += "; last: " + last->message();
  return Error(ErrorCode::kConflict, text);
}

std::future<Result<WriteResult>> Client::run_transaction_async(TransactionFn fn, int max_retries,
                                                               TransactionOptions options) {
  return core_->Async<WriteResult>([core = core_, fn = std::move(fn), max_retries, options] {
    return RunTransaction(core, fn, max_retries, options);
  });
}

}  // namespace strata::client
