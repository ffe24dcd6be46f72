// get/put/del, mlk put/get/scan, txn-cas and scan.
#include <iostream>

#include "commands.h"

namespace strata::ctl {

int Get(const Globals& g, const std::string& key) {
  auto k = ArgBytes(g, key, "KEY");
  if (!k) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->get(*k, ReadOpts(g));
  if (!r.ok()) return Fail(r.error());
  if (g.json) {
    PrintJson(KvJson(*r, g.bytes()));
  } else {
    std::cout << ShowBytes(r->value, g.bytes()) << "\n";
  }
  return kExitOk;
}

int Put(const Globals& g, const std::string& key, const std::string& value, int64_t lease) {
  auto k = ArgBytes(g, key, "KEY");
  auto v = ArgBytes(g, value, "VALUE");
  if (!k || !v) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->put(*k, *v, {.lease = lease});
  if (!r.ok()) return Fail(r.error());
  PrintWrite(g.json, r->revision);
  return kExitOk;
}

int Del(const Globals& g, const std::string& key) {
  auto k = ArgBytes(g, key, "KEY");
  if (!k) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->remove(*k);
  if (!r.ok()) return Fail(r.error());
  if (g.json) {
    PrintJson({{"revision", r->revision}, {"deleted", r->deleted}});
  } else {
    std::cout << r->deleted << "\n";
  }
  return kExitOk;
}

int MlkPut(const Globals& g, const std::string& primary, const std::string& secondary,
           const std::string& value) {
  auto p = ArgBytes(g, primary, "PRIMARY");
  auto s = ArgBytes(g, secondary, "SECONDARY");
  auto v = ArgBytes(g, value, "VALUE");
  if (!p || !s || !v) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->put(client::EncodeMultiLevelKey({*p, *s}), *v);
  if (!r.ok()) return Fail(r.error());
  PrintWrite(g.json, r->revision);
  return kExitOk;
}

int MlkGet(const Globals& g, const std::string& primary, const std::string& secondary) {
  auto p = ArgBytes(g, primary, "PRIMARY");
  auto s = ArgBytes(g, secondary, "SECONDARY");
  if (!p || !s) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->get(client::EncodeMultiLevelKey({*p, *s}), ReadOpts(g));
  if (!r.ok()) return Fail(r.error());
  if (g.json) {
    nlohmann::json j = KvJson(*r, g.bytes());
    j["primary"] = ShowBytes(*p, g.bytes());
    j["secondary"] = ShowBytes(*s, g.bytes());
    PrintJson(j);
  } else {
    std::cout << ShowBytes(r->value, g.bytes()) << "\n";
  }
  return kExitOk;
}

int MlkScan(const Globals& g, const std::string& primary, int64_t limit) {
  auto p = ArgBytes(g, primary, "PRIMARY");
  if (!p) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->scan_primary(*p, limit, ReadOpts(g));
  if (!r.ok()) return Fail(r.error());
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : *r) {
    if (g.json) {
      nlohmann::json j = KvJson(e.kv, g.bytes());
      j["secondary"] = ShowBytes(e.key.secondary, g.bytes());
      entries.push_back(std::move(j));
    } else {
      std::cout << ShowBytes(e.key.secondary, g.bytes()) << "\t" << ShowBytes(e.kv.value, g.bytes())
                << "\n";
    }
  }
  if (g.json) PrintJson({{"primary", ShowBytes(*p, g.bytes())}, {"entries", entries}});
  return kExitOk;
}

int TxnCas(const Globals& g, const std::string& key, const std::string& value,
           int64_t expect_version) {
  auto k = ArgBytes(g, key, "KEY");
  auto v = ArgBytes(g, value, "VALUE");
  if (!k || !v) return kExitUsage;
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->put_if_version(*k, *v, expect_version);
  if (!r.ok()) return Fail(r.error());
  PrintWrite(g.json, r->revision);
  return kExitOk;
}

int Scan(const Globals& g, const std::string& start, const std::string& end, int64_t limit,
         int64_t page_size) {
  auto s = ArgBytes(g, start, "START");
  auto e = ArgBytes(g, end, "END");
  if (!s || !e) return kExitUsage;
  if (page_size <= 0 || limit < 0) {
    std::cerr << "Error: --page-size must be positive and --limit not negative\n";
    return kExitUsage;
  }
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  client::ScanOptions options{.page_size = page_size, .read = ReadOpts(g)};
  int64_t shown = 0;
  auto it = client->scan(*s, *e, options);
  nlohmann::json kvs = nlohmann::json::array();
  for (; it.Valid() && (limit == 0 || shown < limit); it.Next(), ++shown) {
    if (g.json) {
      kvs.push_back(KvJson(it.kv(), g.bytes()));
    } else {
      std::cout << ShowBytes(it.kv().key, g.bytes()) << "\t" << ShowBytes(it.kv().value, g.bytes())
                << "\n";
    }
  }
  if (!it.status().ok()) return Fail(it.status().error());
  if (g.json) {
    PrintJson({{"kvs", kvs}, {"count", shown}, {"pages", it.pages()}, {"revision", it.revision()}});
    return kExitOk;
  }
  std::cerr << shown << " keys in " << it.pages() << " pages at revision " << it.revision() << "\n";
  return kExitOk;
}

}  // namespace strata::ctl
