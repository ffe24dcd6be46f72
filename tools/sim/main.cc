// strata-sim: deterministic simulation of a Strata Raft group.
//
//   strata-sim --seeds N [--nodes K] [--steps S] [--first-seed F] [--faults a,b]
//       Runs seeds F..F+N-1 (default F=1) and ends with one summary line:
//       seeds=N steps=<ticks> elections=<leaders elected> violations=<V>
//       Exits 1 when V > 0, after printing each failing seed and the last
//       events before its first violation.
//   strata-sim --seed S [--trace] [--nodes K] [--steps S]
//       Replays one seed; --trace prints every event (same output every time).
//   strata-sim --demo
//       A short narrated run.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "demo.h"
#include "runner.h"

namespace strata::sim {
namespace {

constexpr size_t kTailLines = 50;

// The seed being run, for the abort handler: an assertion in the core (or the
// simulator) aborts the process, and the seed is what reproduces it.
volatile std::sig_atomic_t g_have_seed = 0;
uint64_t g_seed = 0;

void OnAbort(int sig) {
  if (g_have_seed) {
    char buf[160];
    char digits[24];
    int n = 0;
    uint64_t v = g_seed;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    int len = 0;
    for (const char* p = "\nstrata-sim: aborted while running seed "; *p; ++p) buf[len++] = *p;
    while (n > 0) buf[len++] = digits[--n];
    for (const char* p = " (replay: strata-sim --seed <it> --trace)\n"; *p; ++p) buf[len++] = *p;
    ssize_t ignored = write(STDERR_FILENO, buf, static_cast<size_t>(len));
    (void)ignored;
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void SetCurrentSeed(uint64_t seed) {
  g_seed = seed;
  g_have_seed = 1;
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "strata-sim: %s\n"
               "usage: strata-sim --seeds N [--nodes K] [--steps S] [--first-seed F] "
               "[--faults crash,partition,weather,clock,membership,leader,compaction]\n"
               "       strata-sim --seed S [--trace] [--nodes K] [--steps S] [--faults ...]\n"
               "       strata-sim --demo\n",
               why);
  std::exit(2);
}

uint64_t ParseCount(const char* flag, const char* v, uint64_t lo, uint64_t hi) {
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0' || x < lo || x > hi) {
    Usage((std::string("bad value for ") + flag + ": " + v).c_str());
  }
  return x;
}

NemesisOptions ParseFaults(const std::string& list) {
  NemesisOptions o = DefaultNemesisOptions();
  std::vector<NemesisOptions::Entry> picked;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
    bool found = false;
    for (const auto& e : o.faults) {
      if (e.fault == name) {
        picked.push_back(e);
        found = true;
      }
    }
    if (!found && name != "none") Usage(("unknown fault " + name).c_str());
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  o.faults = picked;
  return o;
}

void PrintFailure(const RunOptions& base, const RunResult& r) {
  std::printf("FAIL seed=%llu: %s\n", static_cast<unsigned long long>(r.seed),
              r.violations.front().what.c_str());
  for (size_t i = 1; i < r.violations.size() && i < 5; ++i) {
    std::printf("  also: %s\n", r.violations[i].what.c_str());
  }
  std::printf("  knobs: %s\n", r.knobs.c_str());
  // Runs are deterministic: replay the seed with tracing on to get its tail.
  Trace trace(kTailLines, nullptr);
  RunOptions o = base;
  o.seed = r.seed;
  RunResult again = RunSeed(o, &trace);
  std::printf("  replay: %s; last %zu events:\n",
              again.violations.empty() ? "DID NOT REPRODUCE" : "reproduced", trace.tail().size());
  for (const auto& line : trace.tail()) std::printf("    %s\n", line.c_str());
  std::printf("  rerun: strata-sim --seed %llu --nodes %d --steps %llu --trace\n",
              static_cast<unsigned long long>(r.seed), base.nodes,
              static_cast<unsigned long long>(base.steps));
}

int Main(int argc, char** argv) {
  RunOptions base;
  uint64_t seeds = 0, first_seed = 1, one_seed = 0;
  bool trace = false, demo = false, have_seed = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--seeds") {
      seeds = ParseCount("--seeds", value(), 1, 100000000);
    } else if (a == "--first-seed") {
      first_seed = ParseCount("--first-seed", value(), 0, ~uint64_t{0} - 100000000);
    } else if (a == "--seed") {
      one_seed = ParseCount("--seed", value(), 0, ~uint64_t{0});
      have_seed = true;
    } else if (a == "--nodes") {
      base.nodes = static_cast<int>(ParseCount("--nodes", value(), 3, 7));
    } else if (a == "--steps") {
      base.steps = ParseCount("--steps", value(), 0, 100000000);
    } else if (a == "--faults") {
      base.nemesis = ParseFaults(value());
    } else if (a == "--trace") {
      trace = true;
    } else if (a == "--demo") {
      demo = true;
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (demo) return RunDemo(stdout) == 0 ? 0 : 1;
  std::signal(SIGABRT, OnAbort);

  if (have_seed) {
    if (trace) std::setvbuf(stdout, nullptr, _IOLBF, 0);  // Keep the tail if the core aborts.
    Trace t = trace ? Trace(kTailLines, stdout) : Trace();
    RunOptions o = base;
    o.seed = one_seed;
    SetCurrentSeed(one_seed);
    RunResult r = RunSeed(o, &t);
    for (const auto& v : r.violations) {
      std::printf("VIOLATION at %s: %s\n", FormatTime(v.at).c_str(), v.what.c_str());
    }
    if (trace) {
      std::printf("trace: %llu events, hash %016llx\n", static_cast<unsigned long long>(t.lines()),
                  static_cast<unsigned long long>(t.hash()));
    }
    std::printf("seeds=1 steps=%llu elections=%llu violations=%zu\n",
                static_cast<unsigned long long>(r.steps),
                static_cast<unsigned long long>(r.elections), r.violations.size());
    return r.violations.empty() ? 0 : 1;
  }

  if (seeds == 0) Usage("give --seeds N, --seed S or --demo");
  uint64_t steps = 0, elections = 0, violations = 0, failed = 0;
  std::map<std::string, uint64_t> counters;
  for (uint64_t s = first_seed; s < first_seed + seeds; ++s) {
    RunOptions o = base;
    o.seed = s;
    SetCurrentSeed(s);
    std::fflush(stdout);
    Trace off;
    RunResult r = RunSeed(o, &off);
    steps += r.steps;
    elections += r.elections;
    for (const auto& [k, v] : r.counters) {
      counters[k] = k.rfind("max.", 0) == 0 ? std::max(counters[k], v) : counters[k] + v;
    }
    if (!r.violations.empty()) {
      violations += r.violations.size();
      ++failed;
      PrintFailure(base, r);
    }
  }
  for (const auto& [k, v] : counters) {
    std::printf("%-32s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
  }
  if (failed > 0) std::printf("failing seeds: %llu\n", static_cast<unsigned long long>(failed));
  std::printf("seeds=%llu steps=%llu elections=%llu violations=%llu\n",
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(steps),
              static_cast<unsigned long long>(elections),
              static_cast<unsigned long long>(violations));
  return violations == 0 ? 0 : 1;
}

}  // namespace
}  // namespace strata::sim

int main(int argc, char** argv) { return strata::sim::Main(argc, argv); }
