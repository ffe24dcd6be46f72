#include "commit_safety.h"

#include <algorithm>
#include <utility>

namespace strata::sim {
namespace {

std::pair<raft::Term, raft::Index> Last(const LogTip& t) { return {t.last_term, t.last_index}; }

const LogTip* Find(const std::vector<LogTip>& tips, raft::NodeId id) {
  for (const LogTip& t : tips) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

// True if a majority of `voters` would vote for a log ending at `last`;
// appends their names to *who. An empty half of a config always agrees.
bool QuorumBelow(const std::vector<LogTip>& tips, const std::vector<raft::NodeId>& voters,
                 std::pair<raft::Term, raft::Index> last, std::string* who) {
  if (voters.empty()) return true;
  size_t n = 0;
  for (raft::NodeId v : voters) {
    const LogTip* t = Find(tips, v);
    if (t == nullptr || Last(*t) > last) continue;
    ++n;
    who->append(" n").append(std::to_string(v.value()));
  }
  return n > voters.size() / 2;
}

}  // namespace

std::string ElectableWithout(const std::vector<LogTip>& tips, const raft::ConfState& cs) {
  for (const LogTip& y : tips) {
    bool voter = std::find(cs.voters.begin(), cs.voters.end(), y.id) != cs.voters.end() ||
                 std::find(cs.voters_outgoing.begin(), cs.voters_outgoing.end(), y.id) !=
                     cs.voters_outgoing.end();
    if (!voter || y.holds) continue;
    std::string who, who_out;
    if (QuorumBelow(tips, cs.voters, Last(y), &who) &&
        QuorumBelow(tips, cs.voters_outgoing, Last(y), &who_out)) {
      std::string s = "n";
      s.append(std::to_string(y.id.value()))
          .append(" (log ends ")
          .append(std::to_string(y.last_index.value()))
          .append("/")
          .append(std::to_string(y.last_term.value()))
          .append(") lacks it and could be elected by")
          .append(who);
      if (!who_out.empty()) s.append(" and, of the outgoing voters,").append(who_out);
      return s;
    }
  }
  return "";
}

}  // namespace strata::sim
