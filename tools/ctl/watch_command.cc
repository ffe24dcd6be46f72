// `stratactl watch KEY`: prints changes of KEY (or of every key under it)
// as they happen, resuming across member failures, until --count events.
#include <condition_variable>
#include <iostream>
#include <mutex>

#include "commands.h"

namespace strata::ctl {

int Watch(const Globals& g, const std::string& key, bool prefix, int64_t from_revision,
          int64_t count) {
  auto k = ArgBytes(g, key, "KEY");
  if (!k) return kExitUsage;
  if (count < 0 || from_revision < 0) {
    std::cerr << "Error: --count and --rev must not be negative\n";
    return kExitUsage;
  }
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  std::mutex mu;
  std::condition_variable cv;
  int64_t printed = 0;
  std::optional<client::Error> failure;
  auto print = [&](const client::WatchUpdate& u) {
    std::lock_guard lock(mu);
    for (const client::WatchEvent& e : u.events) {
      if (count > 0 && printed >= count) break;
      const bool put = e.type == client::WatchEvent::Type::kPut;
      if (g.json) {
        nlohmann::json j = KvJson(e.kv, g.bytes());
        j["type"] = put ? "PUT" : "DELETE";
        PrintJson(j);
      } else if (put) {
        std::cout << "PUT\t" << ShowBytes(e.kv.key, g.bytes()) << "\t"
                  << ShowBytes(e.kv.value, g.bytes()) << "\n";
      } else {
        std::cout << "DELETE\t" << ShowBytes(e.kv.key, g.bytes()) << "\n";
      }
      ++printed;
    }
    std::cout.flush();
    if (u.error) failure = u.error;
    cv.notify_all();
  };
  // The creation may wait for an election; events may take forever.
  client::WatchOptions options{.prefix = prefix, .from_revision = from_revision};
  auto w = client->watch(*k, print, options);
  if (!w.ok()) return Fail(w.error());
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return failure.has_value() || (count > 0 && printed >= count); });
  if (failure) {
    lock.unlock();
    return Fail(*failure);
  }
  return kExitOk;
}

}  // namespace strata::ctl
