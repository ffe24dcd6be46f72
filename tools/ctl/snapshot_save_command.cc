// `stratactl snapshot save FILE`: Maintenance.Snapshot of one member into a
// file that `snapshot restore` (and etcdctl) accept.
#include <iostream>

#include "commands.h"

namespace strata::ctl {

int SnapshotSave(const Globals& g, const std::string& file) {
  // Like etcdctl: one member's state, from the first endpoint only.
  Globals one = g;
  one.endpoints.resize(1);
  one.discover = false;
  int code = kExitOk;
  auto client = Connect(one, &code);
  if (!client) return code;
  // A snapshot takes longer than a call: --timeout bounds it only if given
  // above the 10-minute default of save_snapshot.
  client::CallOptions options;
  auto timeout = ParseDuration(g.timeout);
  if (timeout && *timeout > std::chrono::minutes(10)) options.timeout = *timeout;
  auto r = client->save_snapshot(file, options);
  if (!r.ok()) return Fail(r.error());
  if (g.json) {
    PrintJson({{"file", file},
               {"bytes", r->bytes},
               {"revision", r->revision},
               {"sha256", r->sha256_hex},
               {"endpoint", one.endpoints[0]}});
  } else {
    std::cout << "saved " << file << ": " << r->bytes << " bytes at revision " << r->revision
              << " from " << one.endpoints[0] << ", sha256 " << r->sha256_hex << "\n";
  }
  return kExitOk;
}

}  // namespace strata::ctl
