// strata-check: checks a fault test's history for linearizability.
//
//   strata-check [--json] [--max-states N] [--no-shrink] [--no-quick-proofs]
//                [--max-shrink-searches N] [--max-shrink-states N] HISTORY_FILE
//
// Exit status: 0 linearizable, 1 violation (after printing a small failing
// sub-history per failing key), 2 bad input or usage, 3 unknown (a key ran
// out of search budget and none failed). The only file that includes CLI11.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/check/checker.h"
#include "tools/check/history_reader.h"
#include "tools/check/report.h"

namespace {

constexpr int kExitLinearizable = 0;
constexpr int kExitViolation = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitUnknown = 3;

int ExitCode(strata::check::Verdict v) {
  switch (v) {
    case strata::check::Verdict::kLinearizable:
      return kExitLinearizable;
    case strata::check::Verdict::kViolation:
      return kExitViolation;
    case strata::check::Verdict::kUnknown:
      return kExitUnknown;
  }
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "strata-check: is a history of etcd-style get/put/delete/cas ops linearizable?\n"
      "Exit: 0 linearizable, 1 violation, 2 bad input, 3 unknown (search budget exhausted).\n"
      "History format: tools/check/README.md."};
  app.name("strata-check");
  std::string path;
  bool json = false;
  bool no_shrink = false;
  strata::check::CheckOptions options;
  app.add_option("HISTORY_FILE", path, "JSON-lines history file")->required();
  app.add_flag("--json", json, "Print the report as one JSON object");
  app.add_option("--max-states", options.search.max_states,
                 "Search budget per key, in configurations explored (default: 2000000)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--no-shrink", no_shrink, "Print a failing key's whole history, unshrunk");
  bool no_quick_proofs = false;
  app.add_flag("--no-quick-proofs", no_quick_proofs,
               "Search every key, without first looking for reads no order explains");
  app.add_option("--max-shrink-searches", options.shrink_limits.max_checks,
                 "Searches the shrinker may run per failing key (default: 2000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-shrink-states", options.shrink_limits.max_states,
                 "Configurations those searches may explore in all (default: 10000000)")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  options.shrink = !no_shrink;
  options.search.quick_proofs = !no_quick_proofs;

  strata::Result<strata::check::History> history = strata::check::ReadHistoryFile(path);
  if (!history.ok()) {
    std::fprintf(stderr, "strata-check: bad input: %s\n", history.status().message().c_str());
    if (json) {
      nlohmann::ordered_json j{{"result", "bad_input"}, {"error", history.status().message()}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    return kExitBadInput;
  }
  const strata::check::Report report = strata::check::CheckHistory(*history, options);
  if (json) {
    std::fputs(strata::check::FormatJson(report).c_str(), stdout);
  } else {
    std::printf("strata-check: %s\n", path.c_str());
    std::fputs(strata::check::FormatText(report).c_str(), stdout);
  }
  return ExitCode(report.verdict);
}
