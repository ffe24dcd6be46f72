// members and status: the cluster as its members describe it.
#include <algorithm>

#include "client/convert.h"
#include "client/kv_ops.h"

namespace strata::client::internal {

Result<std::vector<Member>> Members(Core& core, const CallOptions& options) {
  auto r = core.MemberList(core.DeadlineAfter(options.timeout));
  if (!r.ok()) return r.error();
  std::vector<Member> out;
  for (const auto& m : r->members()) out.push_back(FromProto(m));
  return out;
}

Result<ClusterStatus> Status(Core& core, const CallOptions& options) {
  const Deadline deadline = core.DeadlineAfter(options.timeout);
  auto members = Members(core, options);
  if (!members.ok()) return members.error();
  ClusterStatus out;
  out.members = *members;
  uint64_t leader_term = 0;
  for (const Member& m : out.members) {
    if (m.client_urls.empty()) continue;  // Added, not started yet.
    MemberStatus st;
    st.endpoint = TargetOf(m.client_urls.front());
    st.member_id = m.id;
    // A member that does not answer in time must not eat the others' time.
    const Deadline member_deadline =
        std::min<Deadline>(deadline, Clock::now() + std::chrono::seconds(2));
    auto r = core.Status(member_deadline, core.connection().ForTarget(st.endpoint));
    if (!r.ok()) {
      st.error = r.error().message();
      out.statuses.push_back(std::move(st));
      continue;
    }
    st.reachable = true;
    st.member_id = r->header().member_id();
    st.leader_id = r->leader();
    st.revision = r->header().revision();
    st.db_size = r->dbsize();
    st.raft_term = r->raftterm();
    st.raft_index = r->raftindex();
    st.version = r->version();
    if (st.leader_id != 0 && st.raft_term >= leader_term) {
      leader_term = st.raft_term;
      out.leader_id = st.leader_id;
    }
    out.revision = std::max(out.revision, st.revision);
    out.statuses.push_back(std::move(st));
  }
  return out;
}

}  // namespace strata::client::internal
