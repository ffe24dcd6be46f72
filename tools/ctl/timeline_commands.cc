// timeline create/append/query/stats.
#include <iostream>

#include "commands.h"

namespace strata::ctl {

int TimelineCreate(const Globals& g, const std::string& key) {
  auto k = ArgBytes(g, key, "KEY");
  if (!k) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->timelines().create_timeline(*k);
  if (!r.ok()) return Fail(r.error());
  PrintWrite(g.json, r->revision);
  return kExitOk;
}

int TimelineAppend(const Globals& g, const std::string& key, const std::string& id,
                   int64_t timestamp, const std::string& payload) {
  auto k = ArgBytes(g, key, "KEY");
  auto i = ArgBytes(g, id, "ID");
  auto p = ArgBytes(g, payload, "PAYLOAD");
  if (!k || !i || !p) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->timelines().append(*k, client::Message{*i, timestamp, *p});
  if (!r.ok()) return Fail(r.error());
  PrintWrite(g.json, r->revision);
  return kExitOk;
}

int TimelineQuery(const Globals& g, const std::string& key, int64_t from, int64_t to, int64_t limit,
                  bool descending) {
  auto k = ArgBytes(g, key, "KEY");
  if (!k) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->timelines().query(
      *k, from, to, limit, descending ? client::Order::kDescending : client::Order::kAscending,
      ReadOpts(g));
  if (!r.ok()) return Fail(r.error());
  nlohmann::json messages = nlohmann::json::array();
  for (const client::Message& m : *r) {
    if (g.json) {
      messages.push_back({{"timestamp", m.timestamp},
                          {"id", ShowBytes(m.id, g.bytes())},
                          {"payload", ShowBytes(m.payload, g.bytes())}});
    } else {
      std::cout << m.timestamp << "\t" << ShowBytes(m.id, g.bytes()) << "\t"
                << ShowBytes(m.payload, g.bytes()) << "\n";
    }
  }
  if (g.json) PrintJson({{"messages", messages}});
  return kExitOk;
}

int TimelineStats(const Globals& g, const std::string& key) {
  auto k = ArgBytes(g, key, "KEY");
  if (!k) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->timelines().timeline_stats(*k, ReadOpts(g));
  if (!r.ok()) return Fail(r.error());
  if (g.json) {
    PrintJson({{"count", r->count},
               {"bytes", r->bytes},
               {"first_timestamp", r->first_timestamp},
               {"last_timestamp", r->last_timestamp}});
    return kExitOk;
  }
  std::cout << "count: " << r->count << "\nbytes: " << r->bytes
            << "\nfirst_timestamp: " << r->first_timestamp
            << "\nlast_timestamp: " << r->last_timestamp << "\n";
  return kExitOk;
}

}  // namespace strata::ctl
