// strata-chaos: fault tests against real strata-server processes (see
// run.h, and docs/reliability.md for what ran). The only file with CLI11.
//
// Exit: 0 when no violation and no lost write, 1 when there were, 2 when
// the run could not be carried out or the usage was wrong.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include "tests/chaos/run.h"

int main(int argc, char** argv) {
  using namespace strata::chaos;
  using std::chrono::milliseconds;
  CLI::App app{"strata-chaos: a cluster under faults, checked for linearizability"};
  RunOptions o;
  double minutes = 0;
  int64_t seconds = 60;
  uint64_t seed = 0;
  std::string faults = "all";
  int64_t quiet_min = 1000, quiet_max = 3000, hold_min = 1000, hold_max = 5000;
  int64_t timeout_ms = 2000, availability_ms = 8000;
  app.add_option("--seconds", seconds, "Length of the fault phase, in seconds (default 60)");
  app.add_option("--minutes", minutes,
                 "Length of the fault phase, in minutes (overrides --seconds)");
  app.add_option("--seed", seed, "Seed of the schedule (default: from the clock; printed)");
  app.add_option("--members", o.members, "Members of the initial cluster (default 3)")
      ->check(CLI::Range(3, 7));
  app.add_option("--faults", faults,
                 "Comma-separated: kill, kill-leader, pause, partition, membership, delay, "
                 "slow-disk, all, none");
  app.add_option("--clients", o.workload.clients, "Client threads (default 6)")
      ->check(CLI::Range(1, 64));
  app.add_option("--keys", o.workload.keys, "Register keys at a time (default 8)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--ops-per-key", o.workload.ops_per_key,
                 "Operations per key before fresh keys (default 250)")
      ->check(CLI::Range(10, 100000));
  app.add_flag("--write-heavy", o.workload.write_heavy, "Mostly writes (crash tests)");
  app.add_option("--timeout-ms", timeout_ms, "Deadline of each request (default 2000)");
  app.add_option("--quiet-min-ms", quiet_min, "Shortest gap between faults (default 1000)");
  app.add_option("--quiet-max-ms", quiet_max, "Longest gap between faults (default 3000)");
  app.add_option("--hold-min-ms", hold_min, "Shortest fault (default 1000)");
  app.add_option("--hold-max-ms", hold_max, "Longest fault (default 5000)");
  app.add_option("--max-faults", o.nemesis.max_faults, "Stop after this many faults (0: no limit)");
  app.add_option("--availability-hold-ms", availability_ms,
                 "Faults that leave a majority and last this long must see writes acknowledged "
                 "(0: off; default 8000)");
  app.add_option("--history", o.history_path, "History file (default: in the cluster's directory)");
  app.add_flag("--keep", o.keep_dir, "Keep the cluster's directory even on success");
  CLI11_PARSE(app, argc, argv);

  auto parsed = ParseFaults(faults);
  if (!parsed.ok()) {
    std::cerr << parsed.status().ToString() << "\n";
    return 2;
  }
  if (seed == 0) {
    seed = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  }
  o.duration = std::chrono::seconds(minutes > 0 ? static_cast<int64_t>(minutes * 60) : seconds);
  o.workload.timeout = milliseconds(timeout_ms);
  o.nemesis.faults = *parsed;
  o.nemesis.seed = seed;
  o.nemesis.quiet_min = milliseconds(quiet_min);
  o.nemesis.quiet_max = milliseconds(quiet_max);
  o.nemesis.hold_min = milliseconds(hold_min);
  o.nemesis.hold_max = milliseconds(hold_max);
  o.nemesis.availability_hold = milliseconds(availability_ms);

  auto summary = RunChaos(o, &std::cout);
  if (!summary.ok()) {
    std::cout << "run failed: " << summary.status().ToString() << "\n";
    std::cout << "ops=0 faults=0 violations=0 lost=0 (not run; seed " << seed << ")\n";
    return 2;
  }
  std::cout << summary->Line() << std::endl;
  return summary->violations > 0 || summary->lost > 0 ? 1 : 0;
}
