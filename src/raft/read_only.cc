#include "raft/read_only.h"

namespace strata::raft {

bool ReadOnly::add_request(Index index, NodeId from, const std::string& ctx) {
  if (by_ctx_.contains(ctx)) return false;
  by_ctx_.emplace(ctx, ReadIndexRequest{from, ctx, index, {}});
  queue_.push_back(ctx);
  return true;
}

const std::map<NodeId, bool>* ReadOnly::recv_ack(NodeId id, const std::string& ctx) {
  auto it = by_ctx_.find(ctx);
  if (it == by_ctx_.end()) return nullptr;
  it->second.acks[id] = true;
  return &it->second.acks;
}

std::vector<ReadIndexRequest> ReadOnly::advance(const std::string& ctx) {
  std::vector<ReadIndexRequest> out;
  if (!by_ctx_.contains(ctx)) return out;
  while (!queue_.empty()) {
    std::string head = std::move(queue_.front());
    queue_.pop_front();
    auto node = by_ctx_.extract(head);
    out.push_back(std::move(node.mapped()));
    if (head == ctx) break;
  }
  return out;
}

std::string ReadOnly::last_pending_ctx() const { return queue_.empty() ? "" : queue_.back(); }

}  // namespace strata::raft
