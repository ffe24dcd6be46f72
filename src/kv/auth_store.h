// AuthStore: etcd's replicated auth state (users, roles, key permissions,
// the enabled flag and the auth revision) and its permission checks.
//
// Every change comes from applying a committed request, so every replica
// holds the same store; Apply* validate with etcd's errors, stage the change
// into the caller's batch and return the response, and Published() makes
// the staged state visible once the batch is written. Passwords arrive
// already hashed (the API layer hashes them before proposing); tokens are
// not kept here (they are per member, api/auth_tokens.h).
//
// On disk (column family meta, under kv/ so kv snapshots carry it): one
// record kv/auth/state holding the whole store as an encoded
// strata.requestpb.AuthState. Auth state is small; rewriting it whole on
// each change keeps the format trivially consistent.
//
// Thread-safety: readers (enabled, Permitted, IsAdmin, user...) are safe
// from any thread; Apply* and Published only from the apply thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "etcd/authpb/auth.pb.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "storage/engine.h"
#include "storage/write_batch.h"
#include "strata/request.pb.h"

namespace strata::kv {

// The name of etcd's all-powerful user and role.
inline constexpr std::string_view kRootName = "root";

enum class Access : uint8_t { kRead, kWrite };

class AuthStore {
 public:
  // An empty store: auth disabled, no users, no roles, revision 0.
  AuthStore();
  ~AuthStore();
  AuthStore(const AuthStore&) = delete;
  AuthStore& operator=(const AuthStore&) = delete;

  // Replaces the in-memory state with what engine holds. Errors: engine
  // errors; kCorruption (then the store is unchanged).
  Status Reload(const storage::Reader& engine);

  bool enabled() const;
  uint64_t revision() const;
  // The user's password hash, if the user exists and has a password.
  std::optional<std::string> password_hash(std::string_view user) const;
  bool user_exists(std::string_view user) const;

  // Whether user may access [key, range_end) (etcd's range_end conventions;
  // empty range_end: just key). OK when auth is disabled or the user has
  // the root role. Errors: kUserEmpty for an empty user name,
  // kPermissionDenied otherwise (etcd's errors).
  Status Permitted(std::string_view user, Access access, std::string_view key,
                   std::string_view range_end) const;
  // Whether user may run admin operations (the root role). OK when auth is
  // disabled. Errors: kUserEmpty, kPermissionDenied.
  Status IsAdmin(std::string_view user) const;

  // Applies one auth request (the InternalRequest's auth_* or authenticate
  // field) against the staged state: returns the etcd response message or
  // an etcd error, and stages the change into batch. Errors are request
  // errors (nothing staged). REQUIRES: request holds an auth request.
  Result<std::unique_ptr<google::protobuf::Message>> Apply(
      const requestpb::InternalRequest& request, storage::WriteBatch* batch);
  // Makes the state staged by the last Apply visible (after its batch is
  // written). Returns the users whose tokens must be dropped (deleted,
  // password changed), or every user when auth was disabled.
  struct Published {
    std::vector<std::string> invalidated_users;
    bool all_tokens_invalidated = false;
  };
  Published Publish();

  // True if request is one AuthStore::Apply handles.
  static bool IsAuthRequest(const requestpb::InternalRequest& request);

 private:
  class State;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;   // Guarded by mu_: what readers see.
  std::unique_ptr<State> staged_;  // Apply thread only: after the last Apply.
  Published pending_;              // Apply thread only.
};

class LeaseTable;

// Whether user may make the kv or lease request, with etcd's rules: Range
// needs read, Put and DeleteRange write (and read with prev_kv), a Txn read
// on every compare and the rights of every op in both branches, LeaseRevoke
// write on every attached key; Compaction and LeaseGrant need nothing. OK
// when auth is disabled. Errors: as AuthStore::Permitted.
Status CheckRequestPermitted(const AuthStore& auth, std::string_view user,
                             const requestpb::InternalRequest& request, const LeaseTable& leases);

}  // namespace strata::kv
