// strata-bench: drives Strata or etcd through the etcd v3 KV API and reports
// throughput and latency. See README.md.
#include <absl/synchronization/mutex.h>

#include <cstdio>
#include <optional>

#include "connect.h"
#include "engine.h"
#include "options.h"
#include "report.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "strata-bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace strata::bench;
  // Debian's abseil checks every Mutex that gRPC takes for lock-order cycles,
  // about 3% of this client's CPU; a load generator does not need it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  strata::Result<ParsedArgs> parsed = ParseArgs(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "strata-bench: %s\nRun strata-bench --help for the flags.\n",
                 parsed.status().message().c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(parsed->help_text.c_str(), stdout);
    return 0;
  }
  Options o = parsed->options;
  strata::Result<std::vector<Connection>> conns =
      Connect(o, o.connections, std::chrono::milliseconds(5000));
  if (!conns.ok()) return Fail(conns.status().message());

  std::optional<RunResult> load, run;
  if (o.load > 0) {
    load = Run(o, *conns, Phase::kLoad);
    if (load->errors > 0) {
      std::fputs((o.json ? JsonReport(o, load, run) : TableReport(o, load, run)).c_str(), stdout);
      return Fail("loading failed: " + load->first_error);
    }
    if (load->keys_loaded < o.load) {
      std::fprintf(stderr, "strata-bench: --load-timeout hit after %llu of %llu keys\n",
                   static_cast<unsigned long long>(load->keys_loaded),
                   static_cast<unsigned long long>(o.load));
      // Keep the run on keys that exist.
      if (o.key_space > load->keys_loaded) {
        o.key_space = std::max<uint64_t>(load->keys_loaded, o.range_keys);
      }
    }
  }
  if (o.duration.count() > 0 || o.total > 0) run = Run(o, *conns, Phase::kRun);

  std::fputs((o.json ? JsonReport(o, load, run) : TableReport(o, load, run)).c_str(), stdout);
  if (run && run->ops == 0) {
    if (run->errors > 0) return Fail("every request failed; first error: " + run->first_error);
    return Fail("no request completed in the measured window");
  }
  return 0;
}
