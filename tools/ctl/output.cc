#include "output.h"

#include <iostream>

namespace strata::ctl {

nlohmann::json KvJson(const client::KeyValue& kv, ByteFormat f) {
  return {{"key", ShowBytes(kv.key, f)},
          {"value", ShowBytes(kv.value, f)},
          {"create_revision", kv.create_revision},
          {"mod_revision", kv.mod_revision},
          {"version", kv.version}};
}

nlohmann::json RevisionJson(int64_t revision) { return {{"revision", revision}}; }

void PrintJson(const nlohmann::json& j) { std::cout << j.dump() << "\n"; }

void PrintWrite(bool json, int64_t revision) {
  if (json) {
    PrintJson(RevisionJson(revision));
  } else {
    std::cout << "OK (revision " << revision << ")\n";
  }
}

}  // namespace strata::ctl
