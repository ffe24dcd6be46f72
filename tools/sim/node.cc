#include "node.h"

#include <algorithm>
#include <utility>

#include "prng.h"

namespace strata::sim {
namespace {

std::string Str(raft::NodeId n) {
  std::string s = "n";
  return s.append(std::to_string(n.value()));
}

}  // namespace

SimNode::SimNode(raft::NodeId id, const NodeOptions& options, uint64_t seed, Env env)
    : id_(id),
      options_(options),
      seed_(seed),
      env_(env),
      disk_(std::make_unique<raft::MemoryStorage>()) {
  STRATA_ASSERT(!id.none());
  STRATA_ASSERT(env.now != nullptr && env.checker != nullptr && env.trace != nullptr &&
                env.events != nullptr);
}

void SimNode::trace(const std::string& text) {
  if (env_.trace->on()) env_.trace->add(now(), Str(id_) + " " + text);
}

void SimNode::bootstrap(const std::vector<raft::NodeId>& voters) {
  STRATA_ASSERT(!up() && disk_->last_index() == raft::Index(0));
  raft::Snapshot snap;
  snap.metadata.index = raft::Index(1);
  snap.metadata.term = raft::Term(1);
  snap.metadata.conf_state.voters = voters;
  Status s = disk_->apply_snapshot(snap);
  STRATA_ASSERT_MSG(s.ok(), s.ToString());
}

void SimNode::start() {
  STRATA_ASSERT(!up());
  ++incarnation_;
  auto snap = disk_->snapshot();
  STRATA_ASSERT_MSG(snap.ok(), snap.status().ToString());
  raft::Index image_index;
  STRATA_ASSERT_MSG(reg_.Decode(snap->data, &image_index), "bad register image on disk");
  STRATA_ASSERT(snap->data.empty() || image_index == snap->metadata.index);
  applied_ = snap->metadata.index;
  conf_ = snap->metadata.conf_state;
  soft_ = raft::SoftState{};
  leader_term_checked_ = raft::Term(0);
  armed_ = CrashPoint::kNone;
  crash_now_ = false;

  raft::Config cfg;
  cfg.id = id_;
  cfg.storage = disk_.get();
  cfg.applied = applied_;
  cfg.election_ticks = options_.election_ticks;
  cfg.heartbeat_ticks = options_.heartbeat_ticks;
  cfg.seed = DeriveSeed(seed_, incarnation_);
  cfg.max_append_bytes = options_.max_append_bytes;
  cfg.max_inflight_appends = options_.max_inflight_appends;
  cfg.pre_vote = options_.pre_vote;
  cfg.check_quorum = options_.check_quorum;
  auto r = raft::Raft::Create(cfg);
  STRATA_ASSERT_MSG(r.ok(), r.status().ToString());
  raft_ = std::move(r).value();
  env_.checker->on_restore(now(), id_, applied_, reg_.state());
  trace("start (incarnation " + std::to_string(incarnation_) + ", applied " +
        std::to_string(applied_.value()) + ", last " + std::to_string(disk_->last_index().value()) +
        ", term " + std::to_string(raft_->term().value()) + ")");
  after_input();
}

raft::Index SimNode::snapshot_index() const {
  auto snap = disk_->snapshot();
  STRATA_ASSERT_MSG(snap.ok(), snap.status().ToString());
  return snap->metadata.index;
}

void SimNode::crash() {
  STRATA_ASSERT(up());
  raft_.reset();
  reg_ = Register();
  applied_ = raft::Index(0);
  conf_ = raft::ConfState{};
  env_.checker->on_crash(id_);
  trace("crash (disk keeps last " + std::to_string(disk_->last_index().value()) + ")");
  env_.events->crashed(*this);
}

void SimNode::tick() {
  if (!up()) return;
  raft_->tick();
  after_input();
}

Status SimNode::step(const raft::Message& m) {
  if (!up()) return Status::Unavailable("down");
  Status s = raft_->step(m);
  after_input();
  return s;
}

Status SimNode::propose(std::string data) {
  if (!up()) return Status::Unavailable("down");
  Status s = raft_->propose(std::move(data));
  after_input();
  return s;
}

Status SimNode::propose_conf_change(const raft::ConfChange& cc) {
  if (!up()) return Status::Unavailable("down");
  Status s = raft_->propose_conf_change(cc);
  after_input();
  return s;
}

Status SimNode::read_index(std::string ctx) {
  if (!up()) return Status::Unavailable("down");
  Status s = raft_->read_index(std::move(ctx));
  after_input();
  return s;
}

Status SimNode::transfer_leader(raft::NodeId to) {
  if (!up()) return Status::Unavailable("down");
  Status s = raft_->transfer_leader(to);
  after_input();
  return s;
}

Status SimNode::campaign() {
  if (!up()) return Status::Unavailable("down");
  Status s = raft_->campaign();
  after_input();
  return s;
}

void SimNode::report_unreachable(raft::NodeId peer) {
  if (!up()) return;
  raft_->report_unreachable(peer);
  after_input();
}

void SimNode::report_snapshot(raft::NodeId peer, bool ok) {
  if (!up()) return;
  raft_->report_snapshot(peer, ok);
  after_input();
}

bool SimNode::snapshot_now(uint64_t keep) {
  if (!up()) return false;
  if (applied_ <= snapshot_index()) return false;
  auto snap = disk_->create_snapshot(applied_, conf_, reg_.Encode(applied_));
  STRATA_ASSERT_MSG(snap.ok(), snap.status().ToString());
  env_.checker->on_snapshot(now(), id_, snap->metadata);
  uint64_t k = std::min(keep, applied_.value() - 1);
  raft::Index compact_to = applied_ - k;
  if (compact_to > disk_->first_index() - 1) {
    Status s = disk_->compact(compact_to);
    STRATA_ASSERT_MSG(s.ok(), s.ToString());
  }
  trace("snapshot at " + std::to_string(applied_.value()) + ", log now starts at " +
        std::to_string(disk_->first_index().value()));
  return true;
}

void SimNode::after_input() {
  check_leadership();
  process_ready();
  if (crash_now_) {
    crash_now_ = false;
    crash();
    return;
  }
  check_leadership();
}

void SimNode::check_leadership() {
  raft::SoftState ss{raft_->leader(), raft_->role()};
  if (!(ss == soft_)) {
    if (env_.trace->on()) {
      trace(std::string(raft::RoleName(soft_.role)) + " -> " +
            std::string(raft::RoleName(ss.role)) + " term " +
            std::to_string(raft_->term().value()) + " leader " +
            (ss.leader.none() ? "none" : Str(ss.leader)));
    }
    soft_ = ss;
  }
  if (ss.role != raft::Role::kLeader || raft_->term() == leader_term_checked_) return;
  leader_term_checked_ = raft_->term();
  LogView view;
  view.snapshot_index = disk_->first_index() - 1;
  auto st = disk_->term(view.snapshot_index);
  STRATA_ASSERT_MSG(st.ok(), st.status().ToString());
  view.snapshot_term = *st;
  view.last_index = disk_->last_index();
  const raft::MemoryStorage* disk = disk_.get();
  view.term_at = [disk](raft::Index i) {
    auto t = disk->term(i);
    STRATA_ASSERT_MSG(t.ok(), t.status().ToString());
    return *t;
  };
  env_.checker->on_leader(now(), id_, raft_->term(), view);
}

bool SimNode::maybe_crash_inside(const raft::Ready& rd) {
  if (armed_ == CrashPoint::kNone) return false;
  if (armed_ == CrashPoint::kAfterPersist) {
    if (rd.entries.empty() && !rd.hard_state) return false;
    persist(rd);
    trace("crash after persisting, before sending " + std::to_string(rd.messages.size()) +
          " messages");
    return true;
  }
  // kLeaderBeforePersist: only when the core allows sending first (a leader
  // whose term and vote are on disk already), as the node layer does.
  if (!rd.messages_before_persist || rd.entries.empty()) return false;
  for (const raft::Message& m : rd.messages) env_.events->send(*this, m);
  trace("crash as leader after sending, before persisting " + std::to_string(rd.entries.size()) +
        " entries");
  return true;
}

void SimNode::persist(const raft::Ready& rd) {
  if (rd.snapshot) {
    Status s = disk_->apply_snapshot(*rd.snapshot);
    STRATA_ASSERT_MSG(s.ok(), s.ToString());
    env_.checker->on_snapshot(now(), id_, rd.snapshot->metadata);
  }
  if (!rd.entries.empty()) {
    // Entries at or below the snapshot are already applied and compacted:
    // MemoryStorage ignores them, and so does the log matching check.
    raft::Index first = disk_->first_index();
    size_t skip = 0;
    while (skip < rd.entries.size() && rd.entries[skip].index < first) ++skip;
    if (skip < rd.entries.size()) {
      auto prev = disk_->term(rd.entries[skip].index - 1);
      STRATA_ASSERT_MSG(prev.ok(), prev.status().ToString());
      disk_->append(rd.entries);
      std::vector<raft::Entry> written(rd.entries.begin() + static_cast<ptrdiff_t>(skip),
                                       rd.entries.end());
      env_.checker->on_persist(now(), id_, *prev, written);
      STRATA_ASSERT(disk_->last_index() == rd.entries.back().index);
    }
  }
  if (rd.hard_state) disk_->set_hard_state(*rd.hard_state);
}

void SimNode::restore(const raft::Snapshot& snap) {
  raft::Index image_index;
  STRATA_ASSERT_MSG(reg_.Decode(snap.data, &image_index), "bad register image in snapshot");
  STRATA_ASSERT(snap.data.empty() || image_index == snap.metadata.index);
  applied_ = snap.metadata.index;
  conf_ = snap.metadata.conf_state;
  ++snapshots_installed_;
  env_.checker->on_restore(now(), id_, applied_, reg_.state());
  trace("installed snapshot " + std::to_string(snap.metadata.index.value()) + "/" +
        std::to_string(snap.metadata.term.value()) + " (register length " +
        std::to_string(reg_.state().count) + ")");
}

void SimNode::apply(const raft::Entry& e) {
  if (e.type == raft::EntryType::kConfChange) {
    raft::ConfChange cc;
    STRATA_ASSERT_MSG(raft::ConfChange::Decode(e.data, &cc), "undecodable conf change entry");
    STRATA_ASSERT(cc.Encode() == e.data);
    auto r = raft_->apply_conf_change(cc);
    if (r.ok()) conf_ = *r;
    applied_ = e.index;
    env_.checker->on_apply(now(), id_, raft_->term(), e, reg_.state());
    env_.checker->on_conf_applied(now(), id_, e.index, conf_);
    if (env_.trace->on()) {
      std::string what = cc.leave_joint() ? "leave-joint" : "";
      for (const auto& c : cc.changes) {
        what += c.type == raft::ConfChangeType::kAddNode      ? " add "
                : c.type == raft::ConfChangeType::kAddLearner ? " learner "
                                                              : " remove ";
        what += Str(c.node);
      }
      trace("apply " + std::to_string(e.index.value()) + "/" + std::to_string(e.term.value()) +
            " conf change" + what + (r.ok() ? "" : " (rejected: " + r.status().ToString() + ")") +
            " -> voters " + std::to_string(conf_.voters.size()) +
            (conf_.joint() ? " (joint)" : ""));
    }
    env_.events->applied_conf(*this, e.index, conf_);
    return;
  }
  if (!e.data.empty()) reg_.apply(e.data);
  applied_ = e.index;
  env_.checker->on_apply(now(), id_, raft_->term(), e, reg_.state());
  if (e.data.empty()) {
    trace("apply " + std::to_string(e.index.value()) + "/" + std::to_string(e.term.value()) +
          " no-op");
    return;
  }
  trace("apply " + std::to_string(e.index.value()) + "/" + std::to_string(e.term.value()) + " " +
        e.data + " -> length " + std::to_string(reg_.state().count));
  env_.events->applied_command(*this, e.data, reg_.state().count);
}

void SimNode::process_ready() {
  while (raft_->has_ready()) {
    raft::Ready rd = raft_->ready();
    if (maybe_crash_inside(rd)) {
      crash_now_ = true;
      return;  // Never advanced: the Raft object is about to be dropped.
    }
    persist(rd);
    for (raft::Message& m : rd.messages) env_.events->send(*this, std::move(m));
    if (rd.snapshot) restore(*rd.snapshot);
    for (const raft::Entry& e : rd.committed_entries) {
      STRATA_ASSERT_MSG(e.index <= disk_->last_index(), "applying an entry that is not durable");
      apply(e);
    }
    for (const raft::ReadState& rs : rd.read_states) env_.events->read_state(*this, rs);
    raft_->advance();
    raft::Index snap_index = snapshot_index();
    if (options_.snapshot_interval > 0 && applied_ > snap_index &&
        applied_ - snap_index >= options_.snapshot_interval) {
      snapshot_now(options_.compact_keep);
    }
  }
}

}  // namespace strata::sim
