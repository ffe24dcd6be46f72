#include "tests/chaos/chaos_cluster.h"

#include <algorithm>
#include <cstdio>
#include <thread>

namespace strata::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::WaitFor;

std::string Hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string Describe(const grpc::Status& s) {
  return std::to_string(s.error_code()) + ": " + s.error_message();
}

}  // namespace

ChaosCluster::ChaosCluster(int members) : cluster_(members) {
  cluster_.set_members_die_with_starter(true);
  for (int i = 0; i < members; ++i) members_.insert(i);
}

ChaosCluster::~ChaosCluster() {
  for (int slot = 0; slot < cluster_.size(); ++slot) cluster_.Stop(slot, /*hard=*/true);
}

std::vector<std::string> ChaosCluster::Flags(int slot) const {
  std::vector<std::string> flags = {"--experimental-fault-injection"};
  auto it = join_flags_.find(slot);
  if (it != join_flags_.end()) flags.insert(flags.end(), it->second.begin(), it->second.end());
  return flags;
}

Stubs& ChaosCluster::stubs(int slot) {
  auto& s = stubs_[slot];
  if (!s) s = std::make_unique<Stubs>(cluster_.member(slot).client_endpoint());
  return *s;
}

void ChaosCluster::PublishEndpoints() {
  std::vector<std::string> out;
  for (int slot : members_) out.push_back(cluster_.member(slot).client_endpoint());
  std::lock_guard lock(mu_);
  endpoints_ = std::move(out);
}

std::vector<std::string> ChaosCluster::endpoints() const {
  std::lock_guard lock(mu_);
  return endpoints_;
}

Status ChaosCluster::LearnId(int slot, seconds timeout) {
  uint64_t id = 0;
  WaitFor(
      [&] {
        etcdserverpb::StatusResponse response;
        grpc::ClientContext ctx;
        SetTimeout(&ctx, milliseconds(2000));
        if (!stubs(slot).maintenance->Status(&ctx, {}, &response).ok()) return false;
        id = response.header().member_id();
        return id != 0;
      },
      timeout);
  if (id == 0) return Status::Unavailable("member " + std::to_string(slot) + " reports no id");
  ids_[slot] = id;
  return Status::Ok();
}

Status ChaosCluster::Start() {
  for (int slot : members_) {
    if (!cluster_.Start(slot, Flags(slot))) return Status::Unavailable("fork failed");
  }
  for (int slot : members_) {
    if (!cluster_.WaitHealthy(slot, seconds(60))) {
      return Status::Unavailable("member " + std::to_string(slot) + " is not healthy:\n" +
                                 LogTail(slot));
    }
    STRATA_RETURN_IF_ERROR(LearnId(slot, seconds(30)));
  }
  PublishEndpoints();
  return Status::Ok();
}

void ChaosCluster::Kill(int slot) {
  cluster_.Stop(slot, /*hard=*/true);
  paused_.erase(slot);
}

Status ChaosCluster::Restart(int slot, seconds timeout) {
  if (cluster_.Running(slot)) return Status::Ok();
  if (!cluster_.Start(slot, Flags(slot))) return Status::Unavailable("fork failed");
  if (!cluster_.WaitHealthy(slot, timeout)) {
    return Status::Unavailable("member " + std::to_string(slot) + " did not recover after " +
                               std::to_string(timeout.count()) + " s:\n" + LogTail(slot));
  }
  return Status::Ok();
}

void ChaosCluster::Pause(int slot) {
  cluster_.Pause(slot);
  paused_.insert(slot);
}

void ChaosCluster::Resume(int slot) {
  cluster_.Resume(slot);
  paused_.erase(slot);
}

int ChaosCluster::Leader() {
  int best = -1;
  uint64_t best_term = 0;
  for (int slot : members_) {
    if (!cluster_.Running(slot) || paused_.contains(slot)) continue;
    etcdserverpb::StatusResponse response;
    grpc::ClientContext ctx;
    SetTimeout(&ctx, milliseconds(1000));
    if (!stubs(slot).maintenance->Status(&ctx, {}, &response).ok()) continue;
    if (response.leader() != 0 && response.leader() == response.header().member_id() &&
        response.raftterm() >= best_term) {
      best = slot;
      best_term = response.raftterm();
    }
  }
  return best;
}

int ChaosCluster::WaitLeader(seconds timeout) {
  int leader = -1;
  WaitFor(
      [&] {
        leader = Leader();
        return leader >= 0;
      },
      timeout);
  return leader;
}

Status ChaosCluster::PutFaults(int slot, const std::string& method, const std::string& body) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(cluster_.member(slot).metrics_port) + "/debug/faults";
  std::vector<std::string> argv = {"curl", "-fsS", "--max-time", "2", "-X", method, url};
  if (!body.empty()) {
    argv.push_back("--data-binary");
    argv.push_back(body);
  }
  testing::CommandResult r = testing::Run(argv, "", seconds(5));
  if (r.exit_code != 0) {
    return Status::Unavailable(method + " " + url + " failed: " + r.err + r.out);
  }
  return Status::Ok();
}

Status ChaosCluster::Block(const std::map<int, std::set<int>>& blocked) {
  for (const auto& [slot, peers] : blocked) {
    std::string ids;
    for (int peer : peers) {
      if (!ids.empty()) ids += ",";
      ids += "\"" + Hex(id(peer)) + "\"";
    }
    const std::string body = "{\"blocked_to\":[" + ids + "],\"blocked_from\":[" + ids + "]}";
    STRATA_RETURN_IF_ERROR(PutFaults(slot, "PUT", body));
  }
  return Status::Ok();
}

Status ChaosCluster::PutRange(int slot, const std::string& name, milliseconds min,
                              milliseconds max) {
  return PutFaults(slot, "PUT",
                   "{\"" + name + "_min_ms\":" + std::to_string(min.count()) + ",\"" + name +
                       "_max_ms\":" + std::to_string(max.count()) + "}");
}

Status ChaosCluster::Delay(int slot, milliseconds min, milliseconds max) {
  return PutRange(slot, "delay", min, max);
}

Status ChaosCluster::SlowDisk(int slot, milliseconds min, milliseconds max) {
  return PutRange(slot, "disk_stall", min, max);
}

Status ChaosCluster::HealNetwork(seconds timeout) {
  Status last;
  for (int slot : members_) {
    if (!cluster_.Running(slot)) continue;
    WaitFor(
        [&] {
          last = PutFaults(slot, "DELETE", "");
          return last.ok();
        },
        timeout);
    if (!last.ok()) return last;
  }
  return Status::Ok();
}

Status ChaosCluster::RemoveMember(int slot) {
  const uint64_t removed = id(slot);
  grpc::Status last;
  bool done = WaitFor(
      [&] {
        int via = Leader();
        if (via < 0 || via == slot) {
          for (int s : members_) {
            if (s != slot && cluster_.Running(s) && !paused_.contains(s)) via = s;
          }
        }
        if (via < 0) return false;
        etcdserverpb::MemberRemoveRequest request;
        request.set_id(removed);
        etcdserverpb::MemberRemoveResponse response;
        grpc::ClientContext ctx;
        SetTimeout(&ctx, milliseconds(5000));
        last = stubs(via).cluster->MemberRemove(&ctx, request, &response);
        // NOT_FOUND: an earlier attempt that timed out did remove it.
        return last.ok() || last.error_code() == grpc::StatusCode::NOT_FOUND;
      },
      seconds(60));
  if (!done) return Status::Unavailable("MemberRemove " + Hex(removed) + ": " + Describe(last));
  Kill(slot);
  members_.erase(slot);
  PublishEndpoints();
  return Status::Ok();
}

Result<int> ChaosCluster::AddMember() {
  const int slot = cluster_.AddSlot();
  const testing::Member& joiner = cluster_.member(slot);
  grpc::Status last;
  bool added = WaitFor(
      [&] {
        int via = Leader();
        if (via < 0) return false;
        // An earlier attempt may have added it before its deadline passed.
        etcdserverpb::MemberListResponse list;
        grpc::ClientContext list_ctx;
        SetTimeout(&list_ctx, milliseconds(5000));
        if (stubs(via).cluster->MemberList(&list_ctx, {}, &list).ok()) {
          for (const auto& m : list.members()) {
            for (const auto& url : m.peerurls()) {
              if (url == joiner.peer_url()) return true;
            }
          }
        }
        etcdserverpb::MemberAddRequest request;
        request.add_peerurls(joiner.peer_url());
        etcdserverpb::MemberAddResponse response;
        grpc::ClientContext ctx;
        SetTimeout(&ctx, milliseconds(5000));
        last = stubs(via).cluster->MemberAdd(&ctx, request, &response);
        return last.ok();
      },
      seconds(60));
  if (!added) return Status::Unavailable("MemberAdd " + joiner.peer_url() + ": " + Describe(last));
  std::string initial;
  for (int s : members_) {
    initial += cluster_.member(s).name + "=" + cluster_.member(s).peer_url() + ",";
  }
  initial += joiner.name + "=" + joiner.peer_url();
  join_flags_[slot] = {"--initial-cluster-state=existing", "--initial-cluster=" + initial};
  members_.insert(slot);
  STRATA_RETURN_IF_ERROR(Restart(slot, seconds(90)));
  STRATA_RETURN_IF_ERROR(LearnId(slot, seconds(30)));
  PublishEndpoints();
  return slot;
}

Status ChaosCluster::WaitCaughtUp(seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  uint64_t target = 0;
  bool have_target = WaitFor(
      [&] {
        int leader = Leader();
        if (leader < 0) return false;
        etcdserverpb::StatusResponse response;
        grpc::ClientContext ctx;
        SetTimeout(&ctx, milliseconds(2000));
        if (!stubs(leader).maintenance->Status(&ctx, {}, &response).ok()) return false;
        target = response.raftindex();
        return true;
      },
      timeout);
  if (!have_target) return Status::Unavailable("no leader to catch up with");
  for (int slot : members_) {
    if (!cluster_.Running(slot)) continue;
    uint64_t applied = 0;
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    bool caught_up = WaitFor(
        [&] {
          etcdserverpb::StatusResponse response;
          grpc::ClientContext ctx;
          SetTimeout(&ctx, milliseconds(2000));
          if (!stubs(slot).maintenance->Status(&ctx, {}, &response).ok()) return false;
          applied = response.raftappliedindex();
          return applied >= target;
        },
        std::max(left, milliseconds(1000)));
    if (!caught_up) {
      return Status::Unavailable("member " + std::to_string(slot) + " applied " +
                                 std::to_string(applied) + " of " + std::to_string(target) + ":\n" +
                                 LogTail(slot));
    }
  }
  return Status::Ok();
}

Status ChaosCluster::WaitSameHash(seconds timeout) {
  std::string last;
  bool same = WaitFor(
      [&] {
        last.clear();
        std::set<std::pair<int64_t, uint32_t>> seen;
        for (int slot : members_) {
          if (!cluster_.Running(slot)) continue;
          etcdserverpb::HashKVRequest request;
          etcdserverpb::HashKVResponse response;
          grpc::ClientContext ctx;
          SetTimeout(&ctx, milliseconds(10000));
          grpc::Status s = stubs(slot).maintenance->HashKV(&ctx, request, &response);
          if (!s.ok()) {
            last += " member " + std::to_string(slot) + ": " + Describe(s);
            return false;
          }
          last += " member " + std::to_string(slot) + ": revision " +
                  std::to_string(response.header().revision()) + " hash " +
                  std::to_string(response.hash());
          seen.insert({response.header().revision(), response.hash()});
        }
        return seen.size() == 1;
      },
      timeout);
  if (!same) return Status::Corruption("HashKV differs:" + last);
  return Status::Ok();
}

}  // namespace strata::chaos
