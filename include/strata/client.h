// The Strata client: etcd v3 key-value operations plus Strata's own
// (compare-and-set by version, paged scans, batches, multi-level keys,
// transactions, timelines) over a set of cluster members.
//
//   auto client = strata::client::Client::Connect({.endpoints = {"127.0.0.1:2379"}});
//   if (!client.ok()) return Fail(client.error());
//   (*client)->put("greeting", "hello");
//   auto kv = (*client)->get("greeting");  // kv->value == "hello"
//
// Every operation comes blocking (returns Result<T>) and asynchronous
// (foo_async, returns std::future<Result<T>>; the arguments are copied).
// Failures are values; see result.h for the codes, docs/client.md for the
// retry rules and the consistency of reads.
//
// Thread-safety: thread-safe. Share one Client among all threads: it keeps
// one connection per member. Destroying it (or Shutdown) cancels calls in
// flight, which then fail with kCancelled.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/lease.h"
#include "strata/lock.h"
#include "strata/multi_level_key.h"
#include "strata/options.h"
#include "strata/result.h"
#include "strata/scan_iterator.h"
#include "strata/timeline.h"
#include "strata/transaction.h"
#include "strata/types.h"
#include "strata/watch.h"

namespace strata::client {

namespace internal {
class Core;
}

struct ScanOptions {
  // Keys per page (per round trip). Default: 500.
  int64_t page_size = 500;
  // Consistency, per-page timeout and starting revision of the pages.
  ReadOptions read{};
  // Read every page at the first page's revision. Default: true.
  bool pin_revision = true;
};

// One secondary of a primary (scan_primary).
struct MultiLevelEntry {
  MultiLevelKey key{};
  KeyValue kv{};  // kv.key is the encoded key.
};

class Client {
 public:
  // Checks the options, opens channels and waits (up to connect_timeout)
  // until a member answers; with discover_members it learns the others and
  // the leader. kInvalidArgument for bad options, kUnavailable if no member
  // answered.
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Cancels calls in flight and refuses new ones (kCancelled); waits for the
  // async threads. Idempotent; the destructor calls it.
  void Shutdown();

  // The key's value. kNotFound if it does not exist.
  Result<KeyValue> get(std::string_view key, const ReadOptions& options = {});
  std::future<Result<KeyValue>> get_async(std::string key, ReadOptions options = {});

  // Sets the key's value (creating it if needed).
  Result<WriteResult> put(std::string_view key, std::string_view value,
                          const WriteOptions& options = {});
  std::future<Result<WriteResult>> put_async(std::string key, std::string value,
                                             WriteOptions options = {});

  // Deletes the key. Not an error if it did not exist (deleted == 0).
  Result<RemoveResult> remove(std::string_view key, const WriteOptions& options = {});
  std::future<Result<RemoveResult>> remove_async(std::string key, WriteOptions options = {});

  // Compare-and-set: puts only if the key's version is expected_version
  // (0: the key must not exist), atomically (one Txn). Otherwise nothing is
  // written and the error is kVersionMismatch with current_version().
  Result<WriteResult> put_if_version(std::string_view key, std::string_view value,
                                     int64_t expected_version, const WriteOptions& options = {});
  std::future<Result<WriteResult>> put_if_version_async(std::string key, std::string value,
                                                        int64_t expected_version,
                                                        WriteOptions options = {});

  // One page: up to `limit` keys (0: no limit) of [start, end) in key order.
  // Empty start: from the first key; empty end: to the last. Continue with
  // range_scan(page.next_start, end, limit, {.revision = page.revision})
  // while page.more.
  Result<ScanPage> range_scan(std::string_view start, std::string_view end, int64_t limit,
                              const ReadOptions& options = {});
  std::future<Result<ScanPage>> range_scan_async(std::string start, std::string end, int64_t limit,
                                                 ReadOptions options = {});

  // An iterator over [start, end) that fetches pages as it goes. The first
  // page is fetched here; see ScanIterator::status() for errors.
  ScanIterator scan(std::string_view start, std::string_view end, const ScanOptions& options = {});

  // The values of many keys at one revision (Txns of Range operations; more
  // keys than max_txn_ops take several Txns, all at the first's revision).
  Result<MultiGetResult> multi_get(const std::vector<std::string>& keys,
                                   const ReadOptions& options = {});
  std::future<Result<MultiGetResult>> multi_get_async(std::vector<std::string> keys,
                                                      ReadOptions options = {});

  // Writes many keys. atomic: all or nothing in one Txn, so at most
  // max_txn_ops entries and no key twice (else kInvalidArgument). Not
  // atomic: batches of up to max_txn_ops puts sent in order, one result per
  // entry (a failed batch fails its entries; the others are still tried);
  // a repeated key lands in a later batch, so the last entry wins.
  Result<std::vector<Result<WriteResult>>> multi_put(const std::vector<PutEntry>& entries,
                                                     bool atomic, const WriteOptions& options = {});
  std::future<Result<std::vector<Result<WriteResult>>>> multi_put_async(
      std::vector<PutEntry> entries, bool atomic, WriteOptions options = {});

  // Every secondary of the primary, in secondary order, at one revision (at
  // most `limit`, 0: all).
  Result<std::vector<MultiLevelEntry>> scan_primary(std::string_view primary, int64_t limit = 0,
                                                    const ReadOptions& options = {});
  std::future<Result<std::vector<MultiLevelEntry>>> scan_primary_async(std::string primary,
                                                                       int64_t limit = 0,
                                                                       ReadOptions options = {});

  // A new optimistic transaction (see transaction.h). It may outlive the
  // Client; after Shutdown its calls fail with kCancelled.
  Transaction begin_transaction(const TransactionOptions& options = {});

  // Runs fn in a new transaction and commits; on kConflict (from a read or
  // the commit) starts over, up to max_retries more times (at once, then
  // after short jittered pauses).
  // fn's own error aborts at once and is returned. fn may run several times:
  // keep it free of side effects outside the transaction.
  using TransactionFn = std::function<Result<void>(Transaction&)>;
  Result<WriteResult> run_transaction(const TransactionFn& fn, int max_retries = 10,
                                      const TransactionOptions& options = {});
  std::future<Result<WriteResult>> run_transaction_async(TransactionFn fn, int max_retries = 10,
                                                         TransactionOptions options = {});

  // Time-ordered messages under keys (see timeline.h).
  Timelines timelines() const;

  // The members (Cluster.MemberList).
  Result<std::vector<Member>> members(const CallOptions& options = {});
  std::future<Result<std::vector<Member>>> members_async(CallOptions options = {});

  // Members, leader, revision and each member's own status; a member that
  // does not answer is listed as unreachable (not an error).
  Result<ClusterStatus> status(const CallOptions& options = {});
  std::future<Result<ClusterStatus>> status_async(CallOptions options = {});

  // Grants a lease of ttl (>= 1 s) that keeps itself alive in the
  // background until revoked or destroyed (lease.h). Attach keys with
  // WriteOptions::lease. LeaseGrant is a write: not retried on an unknown outcome.
  Result<Lease> grant_lease(std::chrono::seconds ttl, const LeaseOptions& options = {});
  std::future<Result<Lease>> grant_lease_async(std::chrono::seconds ttl, LeaseOptions options = {});

  // Watches key (with options.prefix: every key under it) and calls
  // callback with each change, in order, exactly once, across member
  // failures (watch.h). Returns once the cluster created the watch.
  Result<Watch> watch(std::string_view key, WatchCallback callback,
                      const WatchOptions& options = {});
  std::future<Result<Watch>> watch_async(std::string key, WatchCallback callback,
                                         WatchOptions options = {});

  // Waits (up to options.timeout) until it holds the lock `name`; the guard
  // carries the fencing revision and unlocks when destroyed (lock.h).
  Result<LockGuard> lock(std::string_view name, const LockOptions& options = {});
  std::future<Result<LockGuard>> lock_async(std::string name, LockOptions options = {});

  // Streams a snapshot of one member's store (Maintenance.Snapshot) into
  // `path` (written as path + ".part", renamed when complete) and checks its
  // SHA-256 trailer; kInternal for a damaged stream, kInvalidArgument for an
  // unwritable path. options.timeout 0: 10 minutes.
  Result<SnapshotInfo> save_snapshot(const std::string& path, const CallOptions& options = {});
  std::future<Result<SnapshotInfo>> save_snapshot_async(std::string path, CallOptions options = {});

  // The endpoints in use ("host:port"), discovered ones included.
  std::vector<std::string> endpoints() const;
  // Where writes and linearizable reads go now: the leader's endpoint, or ""
  // while the leader is unknown (they then go to the current endpoint).
  std::string leader_endpoint() const;

 private:
  explicit Client(std::shared_ptr<internal::Core> core);
  static Result<WriteResult> RunTransaction(const std::shared_ptr<internal::Core>& core,
                                            const TransactionFn& fn, int max_retries,
                                            const TransactionOptions& options);
  static Result<Lease> GrantLease(const std::shared_ptr<internal::Core>& core,
                                  std::chrono::seconds ttl, const LeaseOptions& options);
  static Result<Watch> StartWatch(const std::shared_ptr<internal::Core>& core, std::string key,
                                  WatchCallback callback, const WatchOptions& options);
  static Result<LockGuard> LockWith(const std::shared_ptr<internal::Core>& core,
                                    std::string_view name, const LockOptions& options);
  std::shared_ptr<internal::Core> core_;
};

}  // namespace strata::client
