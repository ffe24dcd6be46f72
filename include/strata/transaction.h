// Transaction: optimistic, serializable read-modify-write over many keys
// (like etcd's STM).
//
// Reads go to the cluster, all at the revision of the first read (one
// snapshot), and the transaction remembers each key's mod_revision (0 for
// an absent key). Writes are buffered in the object, and reads see them.
// commit() sends one etcd Txn: "if every key read still has the
// mod_revision we saw, apply every buffered write". If any changed, nothing
// is written and commit fails with kConflict: run it again
// (Client::run_transaction does that with back-off).
//
// Thread-safety: the methods lock; calls from several threads are safe but
// make the transaction's meaning their interleaving.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "strata/result.h"
#include "strata/types.h"

namespace strata::client {

namespace internal {
class Core;
struct TxnState;
}  // namespace internal

struct TransactionOptions {
  // Bounds each read and the commit. 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
  // Reads see the snapshot at the first read, read this way.
  Consistency consistency = Consistency::kLinearizable;
  // As WriteOptions::retry_if_outcome_unknown, for the commit.
  bool retry_if_outcome_unknown = false;
};

class Transaction {
 public:
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  ~Transaction();

  // The key's value as this transaction sees it: its own buffered write if
  // any, else the stored value at the snapshot (nullopt: absent). Reading a
  // key twice gives the same answer without a round trip. A snapshot that
  // was compacted meanwhile gives kConflict.
  Result<std::optional<std::string>> get(std::string_view key);
  std::future<Result<std::optional<std::string>>> get_async(std::string key);

  // Buffers a write of the key (last write of a key wins). Nothing is sent
  // before commit(). After commit or rollback it is ignored.
  void put(std::string_view key, std::string_view value);
  // Buffers a delete of the key (not an error if the key does not exist).
  void remove(std::string_view key);

  // Applies the buffered writes atomically if nothing read has changed.
  // kConflict (nothing written) otherwise; kInvalidArgument with more than
  // max_txn_ops keys read or written. With no writes it succeeds at once
  // with the read revision. Once only: later calls give kFailedPrecondition.
  Result<WriteResult> commit();
  std::future<Result<WriteResult>> commit_async();

  // Drops the buffered writes; the transaction is finished.
  void rollback();

  // The snapshot revision of the reads; 0 before the first read.
  int64_t read_revision() const;

 private:
  friend class Client;
  Transaction(std::shared_ptr<internal::Core> core, TransactionOptions options);

  std::shared_ptr<internal::TxnState> state_;
};

}  // namespace strata::client
