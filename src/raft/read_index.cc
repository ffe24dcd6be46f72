// Linearizable reads without writing to the log (thesis 6.4, ReadIndex).
#include "raft/raft_impl.h"

namespace strata::raft {

Status Raft::Impl::read_index(std::string ctx) {
  if (role_ == Role::kLeader) {
    handle_read_index(id_, ctx);
    return Status::Ok();
  }
  if (lead_.none()) return Status::NotLeader("no leader");
  if (role_ != Role::kFollower) return Status::NotLeader("election in progress");
  Message m;
  m.type = MessageType::kReadIndex;
  m.to = lead_;
  m.context = std::move(ctx);
  send(std::move(m));
  return Status::Ok();
}

bool Raft::Impl::committed_entry_in_current_term() const {
  return log_.term_or_zero(log_.committed()) == term_;
}

void Raft::Impl::handle_read_index(NodeId from, const std::string& ctx) {
  if (trk_.is_singleton_voter(id_)) {
    respond_to_read_index(from, ctx, log_.committed());
    return;
  }
  // Until an entry of this term commits, our commit index may lag behind
  // what an earlier leader acknowledged.
  if (!committed_entry_in_current_term()) {
    pending_reads_.emplace_back(from, ctx);
    return;
  }
  if (!read_only_.add_request(log_.committed(), from, ctx)) return;
  const auto* acks = read_only_.recv_ack(id_, ctx);
  if (acks != nullptr && trk_.config.voters.vote_result(*acks) == VoteResult::kWon) {
    for (auto& req : read_only_.advance(ctx)) respond_to_read_index(req.from, req.ctx, req.index);
    return;
  }
  bcast_heartbeat(ctx);
}

void Raft::Impl::handle_read_index_ack(const Message& m) {
  const auto* acks = read_only_.recv_ack(m.from, m.context);
  if (acks == nullptr || trk_.config.voters.vote_result(*acks) != VoteResult::kWon) return;
  for (auto& req : read_only_.advance(m.context)) {
    respond_to_read_index(req.from, req.ctx, req.index);
  }
}

void Raft::Impl::respond_to_read_index(NodeId from, const std::string& ctx, Index index) {
  if (from == id_) {
    read_states_.push_back(ReadState{index, ctx});
    return;
  }
  Message m;
  m.type = MessageType::kReadIndexResponse;
  m.to = from;
  m.index = index;
  m.context = ctx;
  send(std::move(m));
}

void Raft::Impl::release_pending_read_index() {
  if (pending_reads_.empty() || !committed_entry_in_current_term()) return;
  auto reads = std::move(pending_reads_);
  pending_reads_.clear();
  for (auto& [from, ctx] : reads) handle_read_index(from, ctx);
}

}  // namespace strata::raft
