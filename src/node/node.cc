#include "node/node.h"

#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "base/thread_name.h"
#include "storage/keys.h"

namespace strata::node {
namespace {

using raft::Index;
using storage::ColumnFamily;

// A proposal travels as: proposer node id (u64) | proposal id (u64) | command.
// Every replica applies it; only the proposer reports the result.
constexpr size_t kCommandHeader = 16;

// A forwarded proposal starts with its kind.
constexpr char kForwardCommand = 'c';
constexpr char kForwardConfChange = 'm';

std::string EncodeCommand(raft::NodeId node, uint64_t id, std::string_view command) {
  std::string out;
  out.reserve(kCommandHeader + command.size());
  PutFixed64(&out, node.value());
  PutFixed64(&out, id);
  out.append(command);
  return out;
}

void PutIds(std::string* out, const std::vector<raft::NodeId>& ids) {
  PutFixed64(out, ids.size());
  for (raft::NodeId id : ids) PutFixed64(out, id.value());
}

bool GetIds(std::string_view* in, std::vector<raft::NodeId>* ids) {
  if (in->size() < 8) return false;
  uint64_t n = DecodeFixed64(*in);
  in->remove_prefix(8);
  if (n > 1024 || in->size() < n * 8) return false;
  for (uint64_t i = 0; i < n; ++i) {
    ids->push_back(raft::NodeId(DecodeFixed64(*in)));
    in->remove_prefix(8);
  }
  return true;
}

std::string EncodeConfState(const raft::ConfState& cs) {
  std::string out;
  PutIds(&out, cs.voters);
  PutIds(&out, cs.learners);
  PutIds(&out, cs.voters_outgoing);
  PutIds(&out, cs.learners_next);
  out.push_back(cs.auto_leave ? 1 : 0);
  return out;
}

Result<raft::ConfState> DecodeConfState(std::string_view in) {
  raft::ConfState cs;
  if (!GetIds(&in, &cs.voters) || !GetIds(&in, &cs.learners) || !GetIds(&in, &cs.voters_outgoing) ||
      !GetIds(&in, &cs.learners_next) || in.size() != 1) {
    return Status::Corruption("membership record is malformed");
  }
  cs.auto_leave = in[0] != 0;
  return cs;
}

std::string EncodeIndex(Index i) {
  std::string out;
  PutFixed64(&out, i.value());
  return out;
}

}  // namespace

Node::Node(NodeOptions options, storage::Engine* engine, Transport* transport)
    : options_(options),
      leader_wait_(options.leader_wait.count() > 0
                       ? options.leader_wait
                       : 2 * options.election_ticks * options.tick_interval),
      engine_(engine),
      transport_(transport),
      snapshot_images_(std::make_unique<SnapshotImages>(options.snapshot_images_max,
                                                        options.snapshot_image_ttl)) {}

Node::~Node() { stop(); }

Status Node::add_range(raft::RangeId range, const raft::ConfState& bootstrap,
                       StateMachine* state_machine) {
  STRATA_ASSERT_MSG(!loop_.joinable(), "add_range after start");
  auto r = std::make_unique<Replica>();
  r->range = range;
  r->state_machine = state_machine;

  auto applied_raw = engine_->Get(ColumnFamily::kMeta, storage::AppliedIndexKey(range.value()));
  if (!applied_raw.ok()) return applied_raw.status();
  Index applied;
  if (applied_raw->has_value()) {
    if ((*applied_raw)->size() != 8) return Status::Corruption("applied index is malformed");
    applied = Index(DecodeFixed64(**applied_raw));
  }
  auto members_raw = engine_->Get(ColumnFamily::kMeta, storage::MembershipKey(range.value()));
  if (!members_raw.ok()) return members_raw.status();
  if (members_raw->has_value()) {
    auto cs = DecodeConfState(**members_raw);
    if (!cs.ok()) return cs.status();
    r->conf_state = *cs;
  }

  Replica* raw = r.get();
  auto log = RangeLogStore::Open(engine_, range, r->conf_state,
                                 [this, raw] { return make_snapshot(raw); });
  if (!log.ok()) return log.status();
  r->log = std::move(*log);

  bool fresh = r->log->last_index() == Index(0) && !members_raw->has_value();
  if (fresh && !bootstrap.voters.empty()) {
    // A new range starts from a snapshot at index 1 holding its membership.
    raft::SnapshotMetadata md{Index(1), raft::Term(1), bootstrap};
    storage::WriteBatch batch;
    r->log->stage_snapshot(md, &batch);
    batch.Put(ColumnFamily::kMeta, storage::MembershipKey(range.value()),
              EncodeConfState(bootstrap));
    batch.Put(ColumnFamily::kMeta, storage::AppliedIndexKey(range.value()), EncodeIndex(Index(1)));
    STRATA_RETURN_IF_ERROR(engine_->Write(batch, /*sync=*/true));
    r->log->snapshot_persisted(md);
    r->conf_state = bootstrap;
    applied = Index(1);
  }
  r->applied = applied;

  raft::Config cfg;
  cfg.id = options_.id;
  cfg.range = range;
  cfg.storage = r->log.get();
  cfg.applied = applied;
  cfg.election_ticks = options_.election_ticks;
  cfg.heartbeat_ticks = options_.heartbeat_ticks;
  cfg.seed = options_.id.value() * 7919 + range.value();
  auto raft = raft::Raft::Create(cfg);
  if (!raft.ok()) return raft.status();
  r->raft = std::move(*raft);
  {
    std::lock_guard lock(mu_);
    status_cache_[range] = r->raft->status();
  }
  replicas_[range] = std::move(r);
  return Status::Ok();
}

Status Node::start() {
  if (loop_.joinable()) return Status::FailedPrecondition("node already started");
  loop_ = std::thread([this] {
    SetThreadName("raft-loop");
    run();
  });
  return Status::Ok();
}

void Node::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
  fail_all(Status::Cancelled("node is stopping"));
  // Images pin engine data and must go before the engine closes.
  snapshot_images_->clear();
}

void Node::propose(raft::RangeId range, std::string command, ApplyCallback done) {
  enqueue_proposal(range, Proposal{0, std::move(command), std::nullopt, std::move(done)});
}

void Node::propose_conf_change(raft::RangeId range, raft::ConfChange cc, ApplyCallback done) {
  enqueue_proposal(range, Proposal{0, {}, std::move(cc), std::move(done)});
}

std::future<ApplyResult> Node::propose_conf_change(raft::RangeId range, raft::ConfChange cc) {
  auto promise = std::make_shared<std::promise<ApplyResult>>();
  auto fut = promise->get_future();
  propose_conf_change(range, std::move(cc),
                      [promise](ApplyResult r) { promise->set_value(std::move(r)); });
  return fut;
}

void Node::enqueue_proposal(raft::RangeId range, Proposal p) {
  Status refused;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused = Status::Cancelled("node is stopping");
    } else if (!replicas_.contains(range)) {
      refused = Status::NotFound("no replica of range " + std::to_string(range.value()));
    } else {
      p.id = next_proposal_id_++;
      inbox_.proposals[range].push_back(std::move(p));
    }
  }
  if (!refused.ok()) {
    p.done(ApplyResult{refused, {}});
    return;
  }
  wake_.notify_one();
}

void Node::run_on_loop(LoopTask task) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      inbox_.tasks.push_back(std::move(task));
      wake_.notify_one();
      return;
    }
  }
  task(/*cancelled=*/true);
}

void Node::transfer_leader(raft::RangeId range, raft::NodeId to, std::function<void(Status)> done) {
  run_on_loop([this, range, to, done = std::move(done)](bool cancelled) {
    if (cancelled) return done(Status::Cancelled("node is stopping"));
    Replica* r = find(range);
    if (r == nullptr) {
      return done(Status::NotFound("no replica of range " + std::to_string(range.value())));
    }
    done(r->raft->transfer_leader(to));
  });
}

std::future<ApplyResult> Node::propose(raft::RangeId range, std::string command) {
  auto promise = std::make_shared<std::promise<ApplyResult>>();
  auto fut = promise->get_future();
  propose(range, std::move(command),
          [promise](ApplyResult r) { promise->set_value(std::move(r)); });
  return fut;
}

void Node::read_index(raft::RangeId range, ReadCallback done) {
  Status refused;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused = Status::Cancelled("node is stopping");
    } else if (!replicas_.contains(range)) {
      refused = Status::NotFound("no replica of range " + std::to_string(range.value()));
    } else {
      inbox_.reads[range].push_back(std::move(done));
      wake = !read_rounds_in_flight_.contains(range);
    }
  }
  if (!refused.ok()) {
    done(refused);
    return;
  }
  if (wake) wake_.notify_one();
}

std::future<ReadResult> Node::read_index(raft::RangeId range) {
  auto promise = std::make_shared<std::promise<ReadResult>>();
  auto fut = promise->get_future();
  read_index(range, [promise](ReadResult r) { promise->set_value(std::move(r)); });
  return fut;
}

void Node::deliver(std::vector<raft::Message> messages) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    for (auto& m : messages) inbox_.messages.push_back(std::move(m));
  }
  wake_.notify_one();
}

void Node::deliver_forwarded(raft::RangeId range, std::string proposal) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    inbox_.forwarded[range].push_back(std::move(proposal));
  }
  wake_.notify_one();
}

void Node::report_snapshot(raft::RangeId range, raft::NodeId to, bool success) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    inbox_.reports.push_back(Report{range, to, true, success});
  }
  wake_.notify_one();
}

void Node::report_unreachable(raft::RangeId range, raft::NodeId to) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    inbox_.reports.push_back(Report{range, to, false, false});
  }
  wake_.notify_one();
}

Result<raft::RaftStatus> Node::status(raft::RangeId range) const {
  std::lock_guard lock(mu_);
  auto it = status_cache_.find(range);
  if (it == status_cache_.end()) {
    return Status::NotFound("no replica of range " + std::to_string(range.value()));
  }
  return it->second;
}

Node::Replica* Node::find(raft::RangeId range) {
  auto it = replicas_.find(range);
  return it == replicas_.end() ? nullptr : it->second.get();
}

void Node::run() {
  auto next_tick = Clock::now() + options_.tick_interval;
  for (;;) {
    Inbox inbox;
    {
      std::unique_lock lock(mu_);
      wake_.wait_until(lock, next_tick, [this] {
        return stopping_ || !inbox_.messages.empty() || !inbox_.proposals.empty() ||
               !inbox_.forwarded.empty() || !inbox_.reads.empty() || !inbox_.reports.empty() ||
               !inbox_.tasks.empty();
      });
      if (stopping_) return;
      inbox = std::move(inbox_);
      inbox_ = Inbox();
    }
    step_inbox(std::move(inbox));
    Clock::time_point now = Clock::now();
    if (now >= next_tick) {
      for (auto& [range, r] : replicas_) r->raft->tick();
      expire_proposals(now);
      next_tick += options_.tick_interval;
      // After a long stall, tick once rather than in a burst.
      if (next_tick < now) next_tick = now + options_.tick_interval;
    }
    dispatch_awaiting_leader();
    while (handle_readies()) {
    }
    std::lock_guard lock(mu_);
    for (auto& [range, r] : replicas_) {
      status_cache_[range] = r->raft->status();
      if (r->reads_by_ctx.empty()) {
        read_rounds_in_flight_.erase(range);
      } else {
        read_rounds_in_flight_.insert(range);
      }
    }
  }
}

void Node::step_inbox(Inbox inbox) {
  for (LoopTask& task : inbox.tasks) task(/*cancelled=*/false);
  for (const Report& report : inbox.reports) {
    Replica* r = find(report.range);
    if (r == nullptr) continue;
    if (report.snapshot) {
      r->raft->report_snapshot(report.to, report.success);
    } else {
      r->raft->report_unreachable(report.to);
    }
  }
  for (const raft::Message& m : inbox.messages) {
    Replica* r = find(m.range);
    if (r == nullptr) continue;  // A range we do not host (yet).
    // Invalid messages are dropped; the raft core already refused them.
    (void)r->raft->step(m);
  }
  for (auto& [range, forwarded] : inbox.forwarded) {
    Replica* r = find(range);
    if (r == nullptr) continue;
    for (const std::string& payload : forwarded) propose_forwarded(r, payload);
  }
  for (auto& [range, proposals] : inbox.proposals) {
    Replica* r = find(range);
    for (Proposal& p : proposals) propose_or_forward(r, std::move(p));
  }
  for (auto& [range, reads] : inbox.reads) start_read_round(find(range), std::move(reads));
}

// How long a ReadIndex round waits for its answer before asking again.
constexpr std::chrono::milliseconds kReadIndexResend{500};

void Node::start_read_round(Replica* r, std::vector<ReadCallback> reads) {
  if (!r->reads_by_ctx.empty()) {
    for (auto& done : reads) r->reads_for_next_round.push_back(std::move(done));
    return;
  }
  if (r->raft->leader().none()) {
    Clock::time_point deadline = Clock::now() + leader_wait_;
    for (auto& done : reads) r->reads_awaiting_leader.push_back({std::move(done), deadline});
    return;
  }
  // One ReadIndex round serves every read queued since the last iteration.
  // The leader keeps rounds of every member by ctx: make it unique.
  std::string ctx = EncodeCommand(options_.id, next_read_ctx_++, "");
  Status s = r->raft->read_index(ctx);
  if (!s.ok()) {
    for (auto& done : reads) done(Status::Unavailable("no leader: " + s.message()));
    return;
  }
  auto& round = r->reads_by_ctx[ctx];
  round.deadline = Clock::now() + options_.proposal_timeout;
  round.resend_at = Clock::now() + kReadIndexResend;
  round.leader = r->raft->leader();
  round.term = r->raft->term();
  for (auto& done : reads) round.waiting.push_back(std::move(done));
}

void Node::start_queued_read_round(Replica* r) {
  if (!r->reads_by_ctx.empty() || r->reads_for_next_round.empty()) return;
  std::vector<ReadCallback> reads = std::move(r->reads_for_next_round);
  r->reads_for_next_round.clear();
  start_read_round(r, std::move(reads));
}

void Node::dispatch_awaiting_leader() {
  for (auto& [range, r] : replicas_) {
    if (r->raft->leader().none()) continue;
    if (!r->reads_awaiting_leader.empty()) {
      std::vector<ReadCallback> reads;
      for (ParkedRead& p : r->reads_awaiting_leader) reads.push_back(std::move(p.done));
      r->reads_awaiting_leader.clear();
      start_read_round(r.get(), std::move(reads));
    }
    std::vector<Proposal> proposals = std::move(r->proposals_awaiting_leader);
    r->proposals_awaiting_leader.clear();
    for (Proposal& p : proposals) propose_or_forward(r.get(), std::move(p));
  }
}

void Node::propose_or_forward(Replica* r, Proposal p) {
  raft::NodeId leader = r->raft->leader();
  if (leader.none()) {
    // An election is probably under way: wait for it (bounded by leader_wait).
    if (p.leader_deadline == Clock::time_point{}) p.leader_deadline = Clock::now() + leader_wait_;
    r->proposals_awaiting_leader.push_back(std::move(p));
    return;
  }
  PendingProposal pending{std::move(p.done), Clock::now() + options_.proposal_timeout, Index(0),
                          raft::NodeId(), raft::Term()};
  // The proposer's id rides in the command (or the conf change's context) so
  // that whoever applies it knows whose it is.
  std::string payload;
  if (p.conf_change) {
    p.conf_change->context = EncodeCommand(options_.id, p.id, p.conf_change->context);
    payload = kForwardConfChange + p.conf_change->Encode();
  } else {
    payload = kForwardCommand + EncodeCommand(options_.id, p.id, p.command);
  }
  if (leader != options_.id) {
    transport_->forward(leader, r->range, std::move(payload));
    pending.forwarded_to = leader;
    pending.forwarded_term = r->raft->term();
    r->proposals.emplace(p.id, std::move(pending));
    return;
  }
  Status s = p.conf_change ? r->raft->propose_conf_change(*p.conf_change)
                           : r->raft->propose(std::move(payload).substr(1));
  if (!s.ok()) {
    pending.done(ApplyResult{s, {}});
    return;
  }
  pending.index = r->raft->last_index();
  r->proposal_at_index[pending.index] = p.id;
  r->proposals.emplace(p.id, std::move(pending));
}

void Node::propose_forwarded(Replica* r, std::string_view payload) {
  // If we no longer lead, the proposal is dropped: the origin's deadline
  // reports the loss. Malformed payloads are dropped the same way.
  if (payload.empty()) return;
  if (payload[0] == kForwardCommand && payload.size() >= 1 + kCommandHeader) {
    (void)r->raft->propose(std::string(payload.substr(1)));
  } else if (payload[0] == kForwardConfChange) {
    raft::ConfChange cc;
    if (raft::ConfChange::Decode(payload.substr(1), &cc)) (void)r->raft->propose_conf_change(cc);
  }
}

// A synced log write this slow stalls elections and heartbeats (etcd warns
// about slow fdatasync the same way): say so, at most every few seconds.
constexpr std::chrono::milliseconds kSlowLogWrite{100};
constexpr std::chrono::seconds kSlowLogWriteWarningInterval{5};

void Node::warn_slow_log_write(Clock::duration took) {
  ++slow_writes_since_warning_;
  Clock::time_point now = Clock::now();
  if (now - last_slow_write_warning_ < kSlowLogWriteWarningInterval) return;
  spdlog::warn(
      "raft log write took {} ms ({} writes over {} ms since the last warning): the "
      "disk is too slow for the election timeout",
      std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
      slow_writes_since_warning_, kSlowLogWrite.count());
  last_slow_write_warning_ = now;
  slow_writes_since_warning_ = 0;
}

bool Node::handle_readies() {
  struct Work {
    Replica* replica;
    raft::Ready ready;
  };
  std::vector<Work> work;
  for (auto& [range, r] : replicas_) {
    if (r->raft->has_ready()) work.push_back({r.get(), r->raft->ready()});
  }
  if (work.empty()) return false;

  for (auto& w : work) {
    if (w.ready.snapshot) install_snapshot(w.replica, w.ready);
  }
  // A leader's appends go out before its own write, so that its disk and
  // its followers' disks work in parallel (Ready::messages_before_persist).
  std::vector<raft::Message> early;
  for (auto& w : work) {
    if (!w.ready.messages_before_persist) continue;
    for (auto& m : w.ready.messages) early.push_back(std::move(m));
    w.ready.messages.clear();
  }
  if (!early.empty()) transport_->send(std::move(early));
  // Group commit: every range's new entries and hard state in one write.
  storage::WriteBatch batch;
  bool sync = false;
  for (auto& w : work) {
    w.replica->log->stage_entries(w.ready.entries, &batch);
    if (w.ready.hard_state) w.replica->log->stage_hard_state(*w.ready.hard_state, &batch);
    sync |= w.ready.must_sync;
  }
  if (!batch.empty()) {
    auto write_start = Clock::now();
    if (sync && options_.synced_write_stall) {
      std::this_thread::sleep_for(options_.synced_write_stall());  // A slow disk (fault tests).
    }
    Status s = engine_->Write(batch, sync);
    auto write_time = Clock::now() - write_start;
    if (options_.observer) options_.observer->on_log_write(write_time, sync);
    if (write_time >= kSlowLogWrite) warn_slow_log_write(write_time);
    // Without a durable log the replica cannot keep its promises to peers.
    STRATA_ASSERT_MSG(s.ok(), "raft log write failed: " + s.ToString());
  }
  std::vector<raft::Message> outgoing;
  for (auto& w : work) {
    Replica* r = w.replica;
    r->log->entries_persisted(w.ready.entries);
    if (w.ready.hard_state) r->log->hard_state_persisted(*w.ready.hard_state);
    for (auto& m : w.ready.messages) outgoing.push_back(std::move(m));
  }
  if (!outgoing.empty()) transport_->send(std::move(outgoing));

  for (auto& w : work) {
    Replica* r = w.replica;
    if (w.ready.soft_state && options_.observer) {
      options_.observer->on_role_change(r->range, w.ready.soft_state->role,
                                        w.ready.soft_state->leader, r->raft->term());
    }
    if (w.ready.soft_state) {
      spdlog::info("range {}: {} in term {}, leader {:x}", r->range.value(),
                   raft::RoleName(w.ready.soft_state->role), r->raft->term().value(),
                   w.ready.soft_state->leader.value());
    }
    if (w.ready.soft_state) fail_forwarded_proposals(r);
    if (w.ready.soft_state) {
      // Pending ReadIndex rounds die with the leadership that serves them.
      for (auto it = r->reads_by_ctx.begin(); it != r->reads_by_ctx.end();) {
        if (it->second.leader == r->raft->leader() && it->second.term == r->raft->term()) {
          ++it;
          continue;
        }
        for (auto& done : it->second.waiting) {
          done(Status::Unavailable("leader changed; retry the read"));
        }
        it = r->reads_by_ctx.erase(it);
      }
    }
    if (!w.ready.committed_entries.empty()) {
      auto apply_start = Clock::now();
      apply_committed(r, w.ready.committed_entries);
      if (options_.observer) {
        options_.observer->on_apply(r->range, w.ready.committed_entries.size(),
                                    Clock::now() - apply_start, r->raft->committed(), r->applied);
      }
    }
    for (const raft::ReadState& rs : w.ready.read_states) {
      auto it = r->reads_by_ctx.find(rs.request_ctx);
      if (it == r->reads_by_ctx.end()) continue;
      for (auto& done : it->second.waiting) r->reads_by_index.emplace(rs.index, std::move(done));
      r->reads_by_ctx.erase(it);
    }
    while (!r->reads_by_index.empty() && r->reads_by_index.begin()->first <= r->applied) {
      auto it = r->reads_by_index.begin();
      it->second(it->first);
      r->reads_by_index.erase(it);
    }
    r->raft->advance();
    start_queued_read_round(r);
    maybe_compact_log(r);
  }
  return true;
}

// Stages a range's applied index; it must be written atomically with the
// state machine's writes for that index.
static void StageApplied(raft::RangeId range, Index index, storage::WriteBatch* batch) {
  batch->Put(ColumnFamily::kMeta, storage::AppliedIndexKey(range.value()), EncodeIndex(index));
}

void Node::install_snapshot(Replica* r, const raft::Ready& rd) {
  const raft::Snapshot& snap = *rd.snapshot;
  const raft::SnapshotMetadata& md = snap.metadata;
  STRATA_ASSERT_MSG(!SnapshotImages::is_descriptor(snap.data),
                    "a snapshot image descriptor reached raft on a follower: the transport must "
                    "stream images (Node::open_snapshot / receive_snapshot)");
  // Log position, hard state, applied index and membership go with the
  // state machine's data, in one atomic (and crash-safe) replacement.
  storage::WriteBatch node_writes;
  r->log->stage_snapshot(md, &node_writes);
  if (rd.hard_state) r->log->stage_hard_state(*rd.hard_state, &node_writes);
  StageApplied(r->range, md.index, &node_writes);
  node_writes.Put(ColumnFamily::kMeta, storage::MembershipKey(r->range.value()),
                  EncodeConfState(md.conf_state));
  auto start = Clock::now();
  Status s = r->state_machine->import_state(snap.data, node_writes);
  STRATA_ASSERT_MSG(s.ok(), "snapshot install failed: " + s.ToString());
  r->log->snapshot_persisted(md);
  if (rd.hard_state) r->log->hard_state_persisted(*rd.hard_state);
  spdlog::info("range {}: installed snapshot at index {} term {} in {} ms", r->range.value(),
               md.index.value(), md.term.value(),
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
  r->conf_state = md.conf_state;
  r->log->set_conf_state(md.conf_state);
  r->applied = md.index;
  // Proposals made here at or below the snapshot were decided elsewhere.
  while (!r->proposal_at_index.empty() && r->proposal_at_index.begin()->first <= md.index) {
    finish_proposal(r, r->proposal_at_index.begin()->second,
                    ApplyResult{Status::ProposalDropped("replica was replaced by a snapshot"), {}});
  }
}

Result<raft::Snapshot> Node::make_snapshot(const Replica* r) const {
  // Runs on the raft loop between applies, so state and applied index agree.
  auto term = r->log->term(r->applied);
  if (!term.ok()) return term.status();
  raft::SnapshotMetadata md{r->applied, *term, r->conf_state};
  auto image = r->state_machine->capture_snapshot();
  if (!image.ok()) return image.status();
  if (*image == nullptr) {
    auto data = r->state_machine->export_state();
    if (!data.ok()) return data.status();
    return raft::Snapshot{md, std::move(*data)};
  }
  // Raft carries a descriptor; the transport streams the image it names.
  // kUnavailable (too many images held) makes raft retry later.
  auto descriptor = snapshot_images_->add(std::move(*image), Clock::now());
  if (!descriptor.ok()) return descriptor.status();
  return raft::Snapshot{md, std::move(*descriptor)};
}

Result<std::unique_ptr<SnapshotReader>> Node::open_snapshot(const raft::Message& m) {
  if (m.snapshot == nullptr || !SnapshotImages::is_descriptor(m.snapshot->data)) {
    return std::unique_ptr<SnapshotReader>();
  }
  return snapshot_images_->open(m.snapshot->data, Clock::now());
}

Result<std::unique_ptr<SnapshotWriter>> Node::receive_snapshot(raft::RangeId range,
                                                               const raft::SnapshotMetadata& md) {
  // replicas_ is fixed once the node starts (add_range comes before).
  auto it = replicas_.find(range);
  if (it == replicas_.end()) {
    return Status::NotFound("no replica of range " + std::to_string(range.value()));
  }
  return it->second->state_machine->receive_snapshot(md);
}

void Node::apply_committed(Replica* r, const std::vector<raft::Entry>& entries) {
  if (entries.empty()) return;
  // Bookkeeping of entries that write nothing themselves (no-ops, conf
  // changes) rides along with the next command, or is written at the end.
  storage::WriteBatch pending;
  std::vector<std::pair<uint64_t, ApplyResult>> results;  // By proposal id.
  r->state_machine->begin_batch();
  for (const raft::Entry& e : entries) {
    if (e.index <= r->applied) continue;  // Already in the state machine.
    StageApplied(r->range, e.index, &pending);
    if (e.type == raft::EntryType::kConfChange) {
      apply_conf_change_entry(r, e, &pending, &results);
      continue;
    }
    if (e.data.empty()) continue;  // A leader's no-op.
    STRATA_ASSERT_MSG(e.data.size() >= kCommandHeader, "command without header");
    std::string_view command(e.data);
    command.remove_prefix(kCommandHeader);
    ApplyResult result = r->state_machine->apply(e.index, command, pending);
    pending.Clear();
    if (raft::NodeId(DecodeFixed64(e.data)) != options_.id) continue;
    uint64_t id = DecodeFixed64(std::string_view(e.data).substr(8));
    if (r->proposals.contains(id)) results.emplace_back(id, std::move(result));
  }
  r->state_machine->end_batch();
  if (!pending.empty()) {
    Status s = engine_->Write(pending, /*sync=*/false);
    STRATA_ASSERT_MSG(s.ok(), "apply write failed: " + s.ToString());
  }
  r->applied = std::max(r->applied, entries.back().index);
  for (auto& [id, result] : results) finish_proposal(r, id, std::move(result));
  // Proposals made here whose index now holds another entry were lost.
  while (!r->proposal_at_index.empty() && r->proposal_at_index.begin()->first <= r->applied) {
    finish_proposal(
        r, r->proposal_at_index.begin()->second,
        ApplyResult{Status::ProposalDropped("proposal was lost in a leader change"), {}});
  }
}

void Node::apply_conf_change_entry(Replica* r, const raft::Entry& e, storage::WriteBatch* pending,
                                   std::vector<std::pair<uint64_t, ApplyResult>>* results) {
  raft::ConfChange cc;
  STRATA_ASSERT_MSG(raft::ConfChange::Decode(e.data, &cc), "undecodable conf change");
  auto cs = r->raft->apply_conf_change(cc);
  if (cs.ok()) {
    r->conf_state = *cs;
    r->log->set_conf_state(*cs);
    pending->Put(ColumnFamily::kMeta, storage::MembershipKey(r->range.value()),
                 EncodeConfState(*cs));
  }
  // Changes raft proposes itself (leaving a joint config) carry no proposer.
  std::optional<std::pair<raft::NodeId, uint64_t>> proposer;
  if (cc.context.size() >= kCommandHeader) {
    proposer.emplace(raft::NodeId(DecodeFixed64(cc.context)),
                     DecodeFixed64(std::string_view(cc.context).substr(8)));
    cc.context.erase(0, kCommandHeader);
  }
  ApplyResult result = r->state_machine->apply_conf_change(e.index, cc, cs, *pending);
  pending->Clear();
  if (proposer && proposer->first == options_.id && r->proposals.contains(proposer->second)) {
    results->emplace_back(proposer->second, std::move(result));
  }
}

void Node::finish_proposal(Replica* r, uint64_t id, ApplyResult result) {
  auto it = r->proposals.find(id);
  if (it == r->proposals.end()) return;
  if (!result.status.ok() && options_.observer) {
    bool node_failure = result.status.Is(StatusCode::kDeadlineExceeded) ||
                        result.status.Is(StatusCode::kProposalDropped) ||
                        result.status.Is(StatusCode::kCancelled);
    if (node_failure) options_.observer->on_proposal_failed();
  }
  PendingProposal pending = std::move(it->second);
  r->proposals.erase(it);
  if (pending.index != Index(0)) r->proposal_at_index.erase(pending.index);
  pending.done(std::move(result));
}

// A proposal forwarded to a leader that lost its leadership is probably
// lost; answer now rather than at the deadline. Its outcome is unknown (the
// old leader may have replicated it), as with etcd's "possibly due to
// previous leader failure". Proposals forwarded to the current leader live on.
void Node::fail_forwarded_proposals(Replica* r) {
  std::vector<uint64_t> forwarded;
  raft::NodeId leader = r->raft->leader();
  raft::Term term = r->raft->term();
  for (const auto& [id, p] : r->proposals) {
    bool same_leadership = p.forwarded_to == leader && p.forwarded_term == term;
    if (p.index == Index(0) && !same_leadership) forwarded.push_back(id);
  }
  for (uint64_t id : forwarded) {
    finish_proposal(r, id,
                    ApplyResult{Status::ProposalDropped("leader changed while forwarding"), {}});
  }
}

void Node::expire_proposals(Clock::time_point now) {
  for (auto& [range, r] : replicas_) {
    std::vector<uint64_t> expired;
    for (const auto& [id, p] : r->proposals) {
      if (p.deadline <= now) expired.push_back(id);
    }
    for (uint64_t id : expired) {
      finish_proposal(r.get(), id, ApplyResult{Status::DeadlineExceeded("request timed out"), {}});
    }
    auto& parked = r->proposals_awaiting_leader;
    for (auto it = parked.begin(); it != parked.end();) {
      if (it->leader_deadline > now) {
        ++it;
        continue;
      }
      if (options_.observer) options_.observer->on_proposal_failed();
      it->done(ApplyResult{Status::Unavailable("no leader"), {}});
      it = parked.erase(it);
    }
    auto& parked_reads = r->reads_awaiting_leader;
    for (auto it = parked_reads.begin(); it != parked_reads.end();) {
      if (it->leader_deadline > now) {
        ++it;
        continue;
      }
      it->done(Status::Unavailable("no leader"));
      it = parked_reads.erase(it);
    }
    for (auto it = r->reads_by_ctx.begin(); it != r->reads_by_ctx.end();) {
      if (it->second.deadline > now) {
        // The request or its answer may have been lost; the leader answers
        // a repeated ctx once (etcd's readIndexRetryTime does the same).
        if (it->second.resend_at <= now && it->second.leader == r->raft->leader() &&
            it->second.term == r->raft->term()) {
          it->second.resend_at = now + kReadIndexResend;
          (void)r->raft->read_index(it->first);
        }
        ++it;
        continue;
      }
      for (auto& done : it->second.waiting) done(Status::DeadlineExceeded("read index timed out"));
      it = r->reads_by_ctx.erase(it);
    }
    start_queued_read_round(r.get());
  }
}

void Node::maybe_compact_log(Replica* r) {
  Index first = r->log->first_index();
  if (r->applied < first || r->applied - first < options_.snapshot_count) return;
  // Keep catch_up_entries behind the applied index; snapshots cover the rest.
  Index compact_to = r->applied - std::min(options_.catch_up_entries, r->applied.value() - 1);
  if (compact_to < first) return;
  storage::WriteBatch batch;
  if (!r->log->stage_compaction(compact_to, &batch).ok()) return;
  Status s = engine_->Write(batch, /*sync=*/false);
  STRATA_ASSERT_MSG(s.ok(), "log compaction write failed: " + s.ToString());
  r->log->compaction_persisted(compact_to);
}

void Node::fail_all(Status status) {
  for (auto& [range, r] : replicas_) {
    while (!r->proposals.empty()) {
      finish_proposal(r.get(), r->proposals.begin()->first, ApplyResult{status, {}});
    }
    for (auto& [ctx, round] : r->reads_by_ctx) {
      for (auto& done : round.waiting) done(status);
    }
    r->reads_by_ctx.clear();
    for (auto& done : r->reads_for_next_round) done(status);
    r->reads_for_next_round.clear();
    for (auto& [index, done] : r->reads_by_index) done(status);
    r->reads_by_index.clear();
    for (Proposal& p : r->proposals_awaiting_leader) p.done(ApplyResult{status, {}});
    r->proposals_awaiting_leader.clear();
    for (ParkedRead& p : r->reads_awaiting_leader) p.done(status);
    r->reads_awaiting_leader.clear();
  }
  for (auto& [range, proposals] : inbox_.proposals) {
    for (auto& p : proposals) p.done(ApplyResult{status, {}});
  }
  inbox_.proposals.clear();
  for (auto& [range, reads] : inbox_.reads) {
    for (auto& done : reads) done(status);
  }
  inbox_.reads.clear();
  for (LoopTask& task : inbox_.tasks) task(/*cancelled=*/true);
  inbox_.tasks.clear();
}

}  // namespace strata::node
