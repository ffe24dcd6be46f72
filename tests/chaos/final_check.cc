#include "tests/chaos/final_check.h"

#include <chrono>
#include <map>
#include <set>

#include "tools/check/checker.h"
#include "tools/check/history_reader.h"
#include "tools/check/report.h"

namespace strata::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

// Every key under `prefix` that member `slot` holds (serializable, paged).
Result<std::set<std::string>> KeysOf(ChaosCluster* cluster, int slot, const std::string& prefix) {
  std::set<std::string> keys;
  std::string start = prefix;
  const std::string end = PrefixEnd(prefix);
  for (;;) {
    etcdserverpb::RangeRequest request;
    request.set_key(start);
    request.set_range_end(end);
    request.set_keys_only(true);
    request.set_serializable(true);
    request.set_limit(5000);
    etcdserverpb::RangeResponse response;
    grpc::ClientContext ctx;
    SetTimeout(&ctx, milliseconds(20000));
    grpc::Status s = cluster->stubs(slot).kv->Range(&ctx, request, &response);
    if (!s.ok()) {
      return Status::Unavailable("reading member " + std::to_string(slot) + ": " +
                                 s.error_message());
    }
    for (const auto& kv : response.kvs()) keys.insert(kv.key());
    if (!response.more() || response.kvs_size() == 0) return keys;
    start = response.kvs(response.kvs_size() - 1).key() + std::string(1, '\0');
  }
}

}  // namespace

Status Converge(ChaosCluster* cluster) {
  for (int slot : cluster->members()) {
    if (cluster->paused(slot)) cluster->Resume(slot);
    if (!cluster->running(slot)) STRATA_RETURN_IF_ERROR(cluster->Restart(slot));
  }
  STRATA_RETURN_IF_ERROR(cluster->HealNetwork());
  if (cluster->WaitLeader(seconds(60)) < 0) return Status::Unavailable("no leader after healing");
  STRATA_RETURN_IF_ERROR(cluster->WaitCaughtUp(seconds(120)));
  return cluster->WaitSameHash(seconds(120));
}

Status AppendFinalReads(ChaosCluster* cluster, const std::string& register_prefix,
                        const std::vector<std::string>& keys, int64_t process,
                        check::HistoryWriter* history) {
  const int leader = cluster->WaitLeader(seconds(30));
  if (leader < 0) return Status::Unavailable("no leader for the final reads");
  etcdserverpb::RangeRequest request;
  request.set_key(register_prefix);
  request.set_range_end(PrefixEnd(register_prefix));
  etcdserverpb::RangeResponse response;
  const int64_t invoke_ns = NowNs();
  grpc::ClientContext ctx;
  SetTimeout(&ctx, milliseconds(20000));
  grpc::Status s = cluster->stubs(leader).kv->Range(&ctx, request, &response);
  const int64_t end_ns = NowNs();
  if (!s.ok()) return Status::Unavailable("final read: " + s.error_message());
  std::map<std::string, const mvccpb::KeyValue*> found;
  for (const auto& kv : response.kvs()) found[kv.key()] = &kv;
  for (const std::string& key : keys) {
    check::Event invoke;
    invoke.process = process;
    invoke.type = check::EventType::kInvoke;
    invoke.call = check::Call::Get(key);
    invoke.time_ns = invoke_ns;
    STRATA_RETURN_IF_ERROR(history->Write(invoke));
    check::Event ok = invoke;
    ok.type = check::EventType::kOk;
    ok.time_ns = end_ns;
    auto it = found.find(key);
    ok.reply = it == found.end() ? check::Reply::Get(std::nullopt, 0)
                                 : check::Reply::Get(it->second->value(), it->second->version());
    STRATA_RETURN_IF_ERROR(history->Write(ok));
  }
  return Status::Ok();
}

Result<int64_t> CountLost(ChaosCluster* cluster, const std::string& prefix,
                          const std::vector<std::string>& acked, std::ostream* log) {
  std::set<std::string> missing;
  for (int slot : cluster->members()) {
    Result<std::set<std::string>> held = KeysOf(cluster, slot, prefix);
    if (!held.ok()) return held.status();
    int64_t missing_here = 0;
    for (const std::string& key : acked) {
      if (held->contains(key)) continue;
      if (++missing_here <= 10) *log << "LOST: member " << slot << " lacks " << key << "\n";
      missing.insert(key);
    }
    if (missing_here > 0) {
      *log << "LOST: member " << slot << " lacks " << missing_here << " of " << acked.size()
           << " acknowledged writes\n";
    }
  }
  return static_cast<int64_t>(missing.size());
}

Result<Linearizability> CheckLinearizable(const std::string& history_path, std::ostream* log) {
  Result<check::History> history = check::ReadHistoryFile(history_path);
  if (!history.ok()) return history.status();
  check::Report report = check::CheckHistory(*history, check::CheckOptions{});
  Linearizability out;
  out.ops = static_cast<int64_t>(report.ops);
  out.failed = report.failed;
  for (const check::KeyReport& key : report.keys) {
    if (key.verdict == check::Verdict::kViolation) ++out.violations;
    if (key.verdict == check::Verdict::kUnknown) ++out.unknown_keys;
  }
  *log << check::FormatText(report, out.violations > 0 ? 20 : 0);
  return out;
}

}  // namespace strata::chaos
