// AlarmStore: etcd's replicated alarms (NOSPACE, CORRUPT), per member.
//
// A member raises an alarm through raft (etcd's AlarmRequest ACTIVATE), so
// every member knows it: while NOSPACE is raised anywhere, the cluster
// refuses writes that grow the data (puts, txns with puts, lease grants)
// and keeps serving reads, deletes and compactions. An operator disarms it
// (DEACTIVATE) after freeing space; a member still over its quota raises it
// again on its next write.
//
// On disk: kv/alarm/<member id: 8 bytes BE><alarm type: 4 bytes BE> -> "" in
// column family meta (kv/ keys travel in kv snapshots).
//
// Thread-safety: readers are safe from any thread; Apply and Publish only
// from the apply thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "storage/engine.h"
#include "storage/write_batch.h"

namespace strata::kv {

class AlarmStore {
 public:
  using Alarm = std::pair<uint64_t, int>;  // Member id, etcdserverpb::AlarmType.

  // Replaces the in-memory alarms with what engine holds. Errors: engine
  // errors; kCorruption.
  Status Reload(const storage::Reader& engine);

  // Every raised alarm, by member then type.
  std::vector<Alarm> List() const;
  // Whether an alarm of this type is raised by any member.
  bool Raised(etcdserverpb::AlarmType type) const;

  // Applies ACTIVATE or DEACTIVATE (GET is answered from List): stages the
  // change and answers with the alarms it changed, as etcd does. A
  // DEACTIVATE of an alarm that is not raised changes nothing.
  // REQUIRES: request.action() is ACTIVATE or DEACTIVATE.
  etcdserverpb::AlarmResponse Apply(const etcdserverpb::AlarmRequest& request,
                                    storage::WriteBatch* batch);
  // Makes the last Apply visible once its batch is written.
  void Publish();

 private:
  mutable std::mutex mu_;
  std::set<Alarm> raised_;  // Guarded by mu_.
  std::set<Alarm> staged_;  // Apply thread only.
};

}  // namespace strata::kv
