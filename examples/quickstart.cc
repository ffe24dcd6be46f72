// libstrata quickstart: one worked example per group of the API, the same
// code as docs/client.md. Run it against any Strata (or etcd) cluster:
//
//   build/bin/quickstart 127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379
//
// It prints one line per step and "quickstart: OK" at the end; on the first
// failure it prints the error and exits 1 (2 for a bad command line). Keys
// live under "quickstart/" (and its timeline under "strata/timeline/"),
// removed at the start so that reruns work.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "strata/client.h"

using namespace strata::client;
using namespace std::chrono_literals;

namespace {

std::optional<Error> Fail(const std::string& what) { return Error(ErrorCode::kInternal, what); }

// --- Connection -----------------------------------------------------------
Result<std::unique_ptr<Client>> ConnectTo(const std::vector<std::string>& endpoints) {
  ClientOptions options;
  options.endpoints = endpoints;  // Others are discovered from the member list.
  options.default_timeout = 10s;  // Per call, retries included.
  return Client::Connect(options);
}

// --- KV and compare-and-set ----------------------------------------------
std::optional<Error> KvAndCas(Client& c) {
  Result<WriteResult> put = c.put("quickstart/greeting", "hello");
  if (!put.ok()) return put.error();
  Result<KeyValue> kv = c.get("quickstart/greeting");
  if (!kv.ok()) return kv.error();
  std::cout << "get: " << kv->value << " (version " << kv->version << ")\n";

  // Only if nobody changed it since we read it.
  Result<WriteResult> cas = c.put_if_version("quickstart/greeting", "hi", kv->version);
  if (!cas.ok()) return cas.error();
  // A second writer with the same stale version loses, and learns the winner's version.
  Result<WriteResult> stale = c.put_if_version("quickstart/greeting", "hey", kv->version);
  if (stale.ok() || !stale.error().Is(ErrorCode::kVersionMismatch)) {
    return Fail("a stale put_if_version must fail with kVersionMismatch");
  }
  std::cout << "cas: lost the race; version is now " << stale.error().current_version() << "\n";

  Result<RemoveResult> removed = c.remove("quickstart/nothing");
  if (!removed.ok()) return removed.error();        // Absent is not an error: deleted == 0.
  auto async = c.get_async("quickstart/greeting");  // Every call has an _async form.
  Result<KeyValue> later = async.get();
  if (!later.ok()) return later.error();
  if (later->value != "hi") return Fail("expected hi, got " + later->value);
  return std::nullopt;
}

// --- Scans ------------------------------------------------------------------
std::optional<Error> Scans(Client& c) {
  std::vector<PutEntry> users;
  for (int i = 0; i < 5; ++i) users.push_back({"quickstart/users/" + std::to_string(i), "u"});
  auto batch = c.multi_put(users, /*atomic=*/true);
  if (!batch.ok()) return batch.error();

  int count = 0;
  auto it = c.scan("quickstart/users/", "quickstart/users0", {.page_size = 2});
  for (; it.Valid(); it.Next()) ++count;
  if (!it.status().ok()) return it.status().error();
  std::cout << "scan: " << count << " keys in " << it.pages() << " pages\n";
  if (count != 5) return Fail("expected 5 keys");

  Result<MultiGetResult> many = c.multi_get({"quickstart/users/0", "quickstart/users/9"});
  if (!many.ok()) return many.error();
  if (!many->values[0] || many->values[1]) return Fail("multi_get: 0 present, 9 absent");
  return std::nullopt;
}

// --- Multi-level keys -------------------------------------------------------
std::optional<Error> MultiLevel(Client& c) {
  for (const char* device : {"sensor-b", "sensor-a"}) {
    auto w = c.put(EncodeMultiLevelKey({"quickstart/site-1", device}), "ok");
    if (!w.ok()) return w.error();
  }
  auto entries = c.scan_primary("quickstart/site-1");
  if (!entries.ok()) return entries.error();
  std::cout << "mlk:";
  for (const MultiLevelEntry& e : *entries) std::cout << " " << e.key.secondary;
  std::cout << "\n";
  if (entries->size() != 2 || (*entries)[0].key.secondary != "sensor-a") {
    return Fail("scan_primary: two secondaries in order");
  }
  return std::nullopt;
}

// --- Transactions -----------------------------------------------------------
std::optional<Error> Transactions(Client& c) {
  auto seed = c.multi_put({{"quickstart/acct/alice", "100"}, {"quickstart/acct/bob", "0"}}, true);
  if (!seed.ok()) return seed.error();
  Result<WriteResult> moved = c.run_transaction([](Transaction& t) -> Result<void> {
    auto from = t.get("quickstart/acct/alice");
    auto to = t.get("quickstart/acct/bob");
    if (!from.ok()) return from.error();
    if (!to.ok()) return to.error();
    if (!*from || !*to) return Error(ErrorCode::kNotFound, "no such account");
    t.put("quickstart/acct/alice", std::to_string(std::stoi(**from) - 10));
    t.put("quickstart/acct/bob", std::to_string(std::stoi(**to) + 10));
    return {};
  });
  if (!moved.ok()) return moved.error();
  auto bob = c.get("quickstart/acct/bob");
  if (!bob.ok()) return bob.error();
  std::cout << "txn: bob has " << bob->value << "\n";
  if (bob->value != "10") return Fail("the transfer must apply once");
  return std::nullopt;
}

// --- Leases -----------------------------------------------------------------
std::optional<Error> Leases(Client& c) {
  Result<Lease> lease = c.grant_lease(5s);  // Renewed in the background.
  if (!lease.ok()) return lease.error();
  auto put = c.put("quickstart/service/me", "10.0.0.7:80", {.lease = lease->id()});
  if (!put.ok()) return put.error();
  std::cout << "lease: " << lease->id() << " ttl " << lease->ttl_seconds() << " s\n";
  auto revoked = lease->revoke();  // Deletes every key attached to it.
  if (!revoked.ok()) return revoked.error();
  auto gone = c.get("quickstart/service/me");
  if (gone.ok() || !gone.error().Is(ErrorCode::kNotFound)) return Fail("revoke deletes the key");
  return std::nullopt;
}

// --- Watch ------------------------------------------------------------------
std::optional<Error> Watching(Client& c) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> seen;
  auto watch = c.watch(
      "quickstart/jobs/",
      [&](const WatchUpdate& u) {
        std::lock_guard lock(mu);
        for (const WatchEvent& e : u.events) {
          seen.push_back((e.type == WatchEvent::Type::kPut ? "put " : "delete ") + e.kv.key);
        }
        cv.notify_all();
      },
      {.prefix = true});
  if (!watch.ok()) return watch.error();
  if (auto w = c.put("quickstart/jobs/1", "run"); !w.ok()) return w.error();
  if (auto r = c.remove("quickstart/jobs/1"); !r.ok()) return r.error();
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, 10s, [&] { return seen.size() >= 2; })) return Fail("watch: no events");
  std::cout << "watch: " << seen[0] << ", " << seen[1] << "\n";
  return std::nullopt;  // ~Watch cancels the stream and joins its thread.
}

// --- Lock -------------------------------------------------------------------
std::optional<Error> Locking(Client& c) {
  int64_t first = 0;
  {
    Result<LockGuard> guard = c.lock("quickstart/locks/report");
    if (!guard.ok()) return guard.error();
    first = guard->fencing_revision();  // Pass it to storage that checks tokens.
  }                                     // Unlocked here.
  Result<LockGuard> again = c.lock("quickstart/locks/report", {.timeout = 5s});
  if (!again.ok()) return again.error();
  std::cout << "lock: fencing " << first << " then " << again->fencing_revision() << "\n";
  if (again->fencing_revision() <= first) return Fail("fencing revisions increase");
  return std::nullopt;
}

// --- Timelines --------------------------------------------------------------
std::optional<Error> TimelinesExample(Client& c) {
  Timelines tl = c.timelines();
  if (auto r = tl.create_timeline("quickstart/chat"); !r.ok()) return r.error();
  for (int64_t t : {300, 100, 200}) {
    auto r =
        tl.append("quickstart/chat", {"msg-" + std::to_string(t), t, "at " + std::to_string(t)});
    if (!r.ok()) return r.error();
  }
  auto window = tl.query("quickstart/chat", 100, 250, /*limit=*/0, Order::kAscending);
  if (!window.ok()) return window.error();
  std::cout << "timeline:";
  for (const Message& m : *window) std::cout << " " << m.id;
  std::cout << "\n";
  if (window->size() != 2 || (*window)[0].id != "msg-100") return Fail("a time window in order");
  return std::nullopt;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: quickstart HOST:PORT[,HOST:PORT...]\n";
    return 2;
  }
  auto client = ConnectTo(Split(argv[1]));
  if (!client.ok()) {
    std::cerr << "connect: " << client.error().ToString() << "\n";
    return 1;
  }
  Client& c = **client;
  // A clean slate for reruns: our keys, and our timelines (stored under
  // "strata/timeline/", see docs/timelines.md).
  for (const char* prefix : {"quickstart/", "strata/timeline/quickstart/"}) {
    const std::string start = prefix;
    const std::string end = start.substr(0, start.size() - 1) + "0";  // '/' + 1
    for (auto it = c.scan(start, end); it.Valid(); it.Next()) (void)c.remove(it.kv().key);
  }
  const std::pair<const char*, std::optional<Error> (*)(Client&)> steps[] = {
      {"kv", KvAndCas},
      {"scans", Scans},
      {"multi-level keys", MultiLevel},
      {"transactions", Transactions},
      {"leases", Leases},
      {"watch", Watching},
      {"lock", Locking},
      {"timelines", TimelinesExample}};
  for (const auto& [name, step] : steps) {
    if (std::optional<Error> e = step(c)) {
      std::cerr << name << ": " << e->ToString() << "\n";
      return 1;
    }
  }
  std::cout << "quickstart: OK\n";
  return 0;
}
