// MemberRegistry: the cluster's id and its members as etcd describes them
// (id, name, peer and client URLs, learner flag), kept in the engine's meta
// column family so that every replica agrees: they change only by applying
// committed entries (membership changes, MemberUpdate, a member publishing
// its name and client URLs) or by installing a snapshot. A member that joins
// later learns the cluster id from its first snapshot.
//
// Thread-safety: safe for concurrent use; writes come from the apply loop.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "storage/engine.h"

namespace strata::api {

class MemberRegistry {
 public:
  // Loads the members stored in engine. Errors: engine errors, kCorruption.
  static Result<std::unique_ptr<MemberRegistry>> Load(storage::Engine* engine);

  // Every member, ordered by id.
  std::vector<etcdserverpb::Member> list() const;
  std::optional<etcdserverpb::Member> find(uint64_t id) const;
  // The member whose peer URLs include url.
  std::optional<etcdserverpb::Member> find_by_peer_url(const std::string& url) const;
  bool empty() const;
  // The cluster id, 0 until known.
  uint64_t cluster_id() const;

  // Stages storing m (replacing any member with its id); call committed()
  // once the batch is written.
  void stage_put(const etcdserverpb::Member& m, storage::WriteBatch* batch) const;
  void stage_remove(uint64_t id, storage::WriteBatch* batch) const;
  // Stages replacing every member by `members`.
  void stage_replace_all(const std::vector<etcdserverpb::Member>& members,
                         storage::WriteBatch* batch) const;
  void stage_cluster_id(uint64_t id, storage::WriteBatch* batch) const;
  // Makes staged changes visible (after the batch was written).
  void put_committed(const etcdserverpb::Member& m);
  void remove_committed(uint64_t id);
  void replace_all_committed(const std::vector<etcdserverpb::Member>& members);
  void cluster_id_committed(uint64_t id);

  // The meta key of member id.
  static std::string Key(uint64_t id);

 private:
  MemberRegistry() = default;

  mutable std::mutex mu_;
  std::map<uint64_t, etcdserverpb::Member> members_;
  uint64_t cluster_id_ = 0;
};

}  // namespace strata::api
