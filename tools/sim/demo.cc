#include "demo.h"

#include <string>

#include "cluster.h"

namespace strata::sim {
namespace {

std::string N(raft::NodeId id) {
  std::string s = "n";
  return s.append(std::to_string(id.value()));
}

std::string Num(uint64_t v) { return std::to_string(v); }

// Narrates a 5-node run. Role changes, crashes and restarts come from the
// cluster's trace; the rest is the demo's own commentary.
class Demo final : public ClusterListener {
 public:
  explicit Demo(std::FILE* out)
      : out_(out), trace_(kTraceLines, nullptr), cluster_(Options(), &trace_) {
    cluster_.set_listener(this);
  }
  ~Demo() override { cluster_.set_listener(nullptr); }

  int run() {
    say("a 5-node cluster (seed 7): every node boots from the same snapshot at index 1;");
    say("one tick = one clock beat; elections time out after 10-20 ticks of silence");
    raft::NodeId first = await_leader("first election");
    for (int i = 1; i <= 4; ++i) write(first, Cmd("put k", i));
    read(Follower(first), "follower read");
    show_logs();

    say("crashing the leader " + N(first) + " (its disk survives, its memory does not)");
    cluster_.crash(first);
    raft::NodeId second = await_leader("re-election without " + N(first));
    for (int i = 5; i <= 7; ++i) write(second, Cmd("put k", i));
    show_logs();

    say("restarting " + N(first) + ": it rebuilds its register from its disk, then catches up");
    cluster_.restart(first);
    SimNode* old = cluster_.node(first);
    SimNode* lead = cluster_.node(second);
    bool caught_up = cluster_.run_until(
        [&] { return old->up() && old->reg().state() == lead->reg().state(); }, 200);
    narrate();
    say(N(first) + (caught_up ? " caught up" : " did NOT catch up") + ": " +
        Num(old->reg().state().count) + " commands applied, last '" + old->reg().last() +
        "', term " + Num(old->raft().term().value()) + ", following " + N(old->raft().leader()));
    read(first, "read on the old leader");
    show_logs();

    int violations = static_cast<int>(cluster_.violations().size());
    for (const auto& v : cluster_.violations().list()) say("VIOLATION: " + v.what);
    std::fprintf(out_,
                 "demo: 5 nodes, %llu leaders elected, %d writes acknowledged, %d reads, old "
                 "leader %s, %d violations\n",
                 static_cast<unsigned long long>(cluster_.safety().elections()), writes_, reads_,
                 caught_up ? "caught up" : "lagging", violations);
    return violations + (caught_up ? 0 : 1);
  }

  // ClusterListener.
  void on_applied(raft::NodeId, const std::string&, uint64_t) override {}
  void on_read_state(raft::NodeId node, const raft::ReadState& rs) override {
    if (node == read_node_ && rs.request_ctx == read_ctx_) read_index_ = rs.index;
  }
  void on_node_down(raft::NodeId) override {}

 private:
  static constexpr size_t kTraceLines = 1 << 20;

  static ClusterOptions Options() {
    ClusterOptions o;
    o.seed = 7;
    o.initial_nodes = 5;
    o.node.election_ticks = 10;
    o.node.heartbeat_ticks = 2;
    return o;
  }

  static std::string Cmd(const char* prefix, int i) {
    std::string s(prefix);
    return s.append(std::to_string(i));
  }

  void say(const std::string& line) {
    std::fprintf(out_, "[tick %4llu] %s\n", static_cast<unsigned long long>(cluster_.ticks()),
                 line.c_str());
  }

  // Prints the role changes, crashes and restarts traced since the last call.
  void narrate() {
    uint64_t total = trace_.lines();
    auto tail = trace_.tail();
    size_t fresh = static_cast<size_t>(std::min<uint64_t>(total - narrated_, tail.size()));
    for (size_t i = tail.size() - fresh; i < tail.size(); ++i) {
      const std::string& line = tail[i];
      bool role = line.find(" -> candidate") != std::string::npos ||
                  line.find(" -> pre-candidate") != std::string::npos ||
                  line.find(" -> leader") != std::string::npos;
      bool life = line.find(" start (incarnation 2") != std::string::npos;
      if (!role && !life) continue;
      size_t close = line.find("] ");
      std::string time = line.substr(1, close - 1);
      std::fprintf(out_, "             %s  (at %s)\n", line.substr(close + 2).c_str(),
                   time.c_str());
    }
    narrated_ = total;
  }

  raft::NodeId await_leader(const std::string& what) {
    uint64_t before = cluster_.safety().elections();
    cluster_.run_until(
        [&] {
          raft::NodeId l = cluster_.leader();
          return !l.none() && cluster_.safety().elections() > before &&
                 cluster_.node(l)->raft().committed() >= cluster_.node(l)->raft().last_index();
        },
        500);
    narrate();
    raft::NodeId l = cluster_.leader();
    if (l.none()) {
      say(what + ": no leader!");
      return l;
    }
    say(what + ": " + N(l) + " leads term " + Num(cluster_.node(l)->raft().term().value()) +
        " and has committed its no-op entry");
    return l;
  }

  raft::NodeId Follower(raft::NodeId leader) {
    for (raft::NodeId id : cluster_.up_ids()) {
      if (id != leader) return id;
    }
    return leader;
  }

  void write(raft::NodeId leader, const std::string& cmd) {
    SimNode* l = cluster_.node(leader);
    if (l == nullptr || !l->up()) return;
    cluster_.history().on_write_invoke(cluster_.now(), cmd);
    Status s = l->propose(cmd);
    if (!s.ok()) {
      say("propose '" + cmd + "' failed: " + s.ToString());
      return;
    }
    raft::Index index = l->raft().last_index();
    bool ok = cluster_.run_until([&] { return l->applied() >= index; }, 100);
    int replicas = 0;
    for (raft::NodeId id : cluster_.up_ids()) {
      if (cluster_.node(id)->disk().last_index() >= index) ++replicas;
    }
    if (ok) {
      ++writes_;
      cluster_.history().on_write_ack(cluster_.now(), cmd);
    }
    say("write '" + cmd + "' -> index " + Num(index.value()) +
        (ok ? ": committed, applied by the leader" : ": NOT committed") + ", on " +
        Num(static_cast<uint64_t>(replicas)) + " disks");
  }

  void read(raft::NodeId at, const std::string& what) {
    SimNode* n = cluster_.node(at);
    read_node_ = at;
    read_ctx_ = Cmd("demo-read-", reads_ + 1);
    read_index_.reset();
    uint64_t id = cluster_.history().on_read_invoke(cluster_.now());
    Status s = n->read_index(read_ctx_);
    bool ok = s.ok() &&
              cluster_.run_until([&] { return read_index_ && n->applied() >= *read_index_; }, 100);
    if (!ok) {
      cluster_.history().on_read_abandon(id);
      say(what + " at " + N(at) + " failed: " + s.ToString());
      return;
    }
    ++reads_;
    cluster_.history().on_read_complete(cluster_.now(), id, n->reg().state().count);
    say(what + " at " + N(at) + " (ReadIndex " + Num(read_index_->value()) + " confirmed by " +
        N(n->raft().leader()) + "): " + Num(n->reg().state().count) + " commands, last '" +
        n->reg().last() + "'");
  }

  void show_logs() {
    std::string line = "logs:";
    for (raft::NodeId id : cluster_.ids()) {
      SimNode* n = cluster_.node(id);
      line.append(" ").append(N(id)).append("=").append(Num(n->disk().last_index().value()));
      if (!n->up()) line.append("(down)");
    }
    say(line + "  (last index on each disk)");
  }

  std::FILE* out_;
  Trace trace_;
  Cluster cluster_;
  uint64_t narrated_ = 0;
  int writes_ = 0;
  int reads_ = 0;
  raft::NodeId read_node_;
  std::string read_ctx_;
  std::optional<raft::Index> read_index_;
};

}  // namespace

int RunDemo(std::FILE* out) { return Demo(out).run(); }

}  // namespace strata::sim
