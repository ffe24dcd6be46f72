#include "tests/chaos/run.h"

#include <cstdlib>

#include "tests/chaos/chaos_cluster.h"
#include "tests/chaos/final_check.h"

namespace strata::chaos {

std::string Summary::Line() const {
  return "ops=" + std::to_string(ops) + " faults=" + std::to_string(faults) +
         " violations=" + std::to_string(violations) + " lost=" + std::to_string(lost);
}

namespace {

std::string FaultList(const std::vector<FaultKind>& faults) {
  std::string out;
  for (FaultKind f : faults) out += (out.empty() ? "" : ",") + FaultName(f);
  return out.empty() ? "none" : out;
}

Result<Summary> RunIn(ChaosCluster* cluster, const RunOptions& options, std::ostream* log) {
  STRATA_RETURN_IF_ERROR(cluster->Start());
  const std::string history_path =
      options.history_path.empty() ? cluster->dir() + "/history.jsonl" : options.history_path;
  *log << "cluster up in " << cluster->dir() << "; history " << history_path << std::endl;
  Result<std::unique_ptr<check::HistoryWriter>> history =
      check::HistoryWriter::Create(history_path);
  if (!history.ok()) return history.status();

  WorkloadOptions workload_options = options.workload;
  workload_options.seed = options.nemesis.seed;
  Workload workload(workload_options, history->get(), [cluster] { return cluster->endpoints(); });
  Nemesis nemesis(
      cluster, options.nemesis, [&workload] { return workload.acked_writes(); }, log);
  workload.Start();
  nemesis.Run(std::chrono::steady_clock::now() + options.duration);
  workload.Stop();
  STRATA_RETURN_IF_ERROR(workload.status());
  *log << "fault phase over: " << nemesis.faults() << " faults; requests ok=" << workload.ok()
       << " info=" << workload.info() << " fail=" << workload.failed() << std::endl;

  Summary summary;
  summary.ops = workload.ops();
  summary.faults = nemesis.faults();
  summary.violations = static_cast<int64_t>(nemesis.problems().size());
  Status converged = Converge(cluster);
  if (!converged.ok()) {
    ++summary.violations;
    *log << "VIOLATION: the healed cluster did not converge: " << converged.ToString() << std::endl;
  } else {
    *log << "converged: every member caught up, HashKV equal" << std::endl;
  }
  STRATA_RETURN_IF_ERROR(AppendFinalReads(cluster, workload.register_prefix(),
                                          workload.register_keys(), /*process=*/0, history->get()));
  history->reset();  // Flushed and closed.

  const std::vector<std::string> acked = workload.acked_log_keys();
  Result<int64_t> lost = CountLost(cluster, workload.log_prefix(), acked, log);
  if (!lost.ok()) return lost.status();
  summary.lost = *lost;
  *log << "acknowledged log writes: " << acked.size() << ", lost: " << summary.lost << std::endl;

  Result<Linearizability> lin = CheckLinearizable(history_path, log);
  if (!lin.ok()) return lin.status();
  summary.violations += lin->violations;
  *log << "linearizability: " << lin->ops << " ops checked, " << lin->violations
       << " key(s) violate, " << lin->unknown_keys << " unknown (budget)" << std::endl;
  return summary;
}

}  // namespace

Result<Summary> RunChaos(const RunOptions& options, std::ostream* log) {
  *log << "strata-chaos seed=" << options.nemesis.seed << " members=" << options.members
       << " faults=" << FaultList(options.nemesis.faults) << " seconds=" << options.duration.count()
       << std::endl;
  ChaosCluster cluster(options.members);
  Result<Summary> summary = RunIn(&cluster, options, log);
  const bool bad = !summary.ok() || summary->violations > 0 || summary->lost > 0;
  if (bad || options.keep_dir) {
    setenv("STRATA_KEEP_TEST_DIRS", "1", /*overwrite=*/1);  // Read by the harness.
    *log << "kept " << cluster.dir() << " (data, member logs, history)" << std::endl;
  }
  if (bad) {
    for (int slot : cluster.members()) {
      *log << "---- last lines of member " << slot << "\n" << cluster.LogTail(slot, 30);
    }
  }
  return summary;
}

}  // namespace strata::chaos
