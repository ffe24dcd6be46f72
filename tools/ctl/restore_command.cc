// `stratactl snapshot restore`: offline, no cluster needed (server/restore.h).
#include <cstdio>

#include "commands.h"
#include "server/restore.h"

namespace strata::ctl {

int SnapshotRestore(const Globals& g, const std::string& file, const std::string& data_dir,
                    bool skip_hash_check) {
  server::RestoreOptions options;
  options.skip_hash_check = skip_hash_check;
  auto restored = server::RestoreSnapshot(file, data_dir, options);
  if (!restored.ok()) {
    std::fprintf(stderr, "Error: %s\n", restored.status().message().c_str());
    return restored.status().Is(StatusCode::kInvalidArgument) ? kExitUsage : kExitError;
  }
  if (g.json) {
    PrintJson({{"file", file}, {"data_dir", data_dir}, {"revision", restored->revision}});
    return 0;
  }
  std::printf(
      "restored %s into %s at revision %lld; start every member of the new cluster on its own "
      "restored --data-dir with --initial-cluster-state=new\n",
      file.c_str(), data_dir.c_str(), static_cast<long long>(restored->revision));
  return 0;
}

}  // namespace strata::ctl
