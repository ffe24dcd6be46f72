// Pending ReadIndex requests (raft thesis 6.4): a read point is safe to use
// once a quorum of voters acknowledged a heartbeat sent after it was taken.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/types.h"

namespace strata::raft {

struct ReadIndexRequest {
  NodeId from;  // Who asked: this node, or a follower that forwarded it.
  std::string ctx;
  Index index;  // The leader's commit index when the request arrived.
  std::map<NodeId, bool> acks;
};

class ReadOnly {
 public:
  // Queues a request unless one with the same ctx is pending. Returns false
  // for a duplicate.
  bool add_request(Index index, NodeId from, const std::string& ctx);
  // Records `id`'s acknowledgement of the heartbeat carrying ctx. Returns the
  // acknowledgements so far, or nullptr if ctx is unknown.
  const std::map<NodeId, bool>* recv_ack(NodeId id, const std::string& ctx);
  // Removes and returns every request up to and including ctx: acknowledging
  // a later heartbeat also confirms leadership for earlier requests.
  std::vector<ReadIndexRequest> advance(const std::string& ctx);
  // The ctx of the newest pending request, or empty.
  std::string last_pending_ctx() const;
  size_t pending() const { return queue_.size(); }

 private:
  std::map<std::string, ReadIndexRequest> by_ctx_;
  std::deque<std::string> queue_;
};

}  // namespace strata::raft
