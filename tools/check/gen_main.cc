// strata-check-gen: writes a random history that is linearizable by
// construction (random_history.h), optionally with one read corrupted, to
// stdout in the history file format. For measuring strata-check.
//
//   strata-check-gen [--seed S] [--processes P] [--keys K] [--ops N]
//                    [--info F] [--fail F] [--values N] [--no-versions]
//                    [--corrupt never-written|stale|version]
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tools/check/history_corruption.h"
#include "tools/check/history_writer.h"
#include "tools/check/random_history.h"

namespace {

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "strata-check-gen: %s\n"
               "usage: strata-check-gen [--seed S] [--processes P] [--keys K] [--ops N] "
               "[--info F] [--fail F] [--values N] [--no-versions] "
               "[--corrupt never-written|stale|version]\n",
               why.c_str());
  std::exit(2);
}

double Number(const std::string& flag, const char* v, double lo, double hi) {
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  if (end == v || *end != '\0' || x < lo || x > hi) Usage("bad value for " + flag + ": " + v);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  strata::check::GeneratorOptions o;
  std::string corrupt;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-versions") {
      o.record_versions = false;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value for " + flag);
    const char* v = argv[++i];
    if (flag == "--seed") {
      o.seed = static_cast<uint64_t>(Number(flag, v, 0, 9e15));
    } else if (flag == "--processes") {
      o.processes = static_cast<int>(Number(flag, v, 1, 10'000));
    } else if (flag == "--keys") {
      o.keys = static_cast<int>(Number(flag, v, 1, 1'000'000));
    } else if (flag == "--ops") {
      o.ops = static_cast<int>(Number(flag, v, 0, 100'000'000));
    } else if (flag == "--info") {
      o.info_fraction = Number(flag, v, 0, 1);
    } else if (flag == "--fail") {
      o.fail_fraction = Number(flag, v, 0, 1);
    } else if (flag == "--values") {
      o.value_domain = static_cast<int>(Number(flag, v, 0, 1'000'000));
    } else if (flag == "--corrupt") {
      corrupt = v;
    } else {
      Usage("unknown flag " + flag);
    }
  }
  std::vector<strata::check::Event> events = strata::check::GenerateHistory(o);
  if (corrupt == "never-written") {
    if (!strata::check::CorruptReadNeverWritten(&events, o.seed)) Usage("no read to corrupt");
  } else if (corrupt == "stale") {
    if (o.value_domain != 0) Usage("--corrupt stale needs unique values (--values 0)");
    if (!strata::check::CorruptReadStale(&events, o.seed)) Usage("no read can be made stale");
  } else if (corrupt == "version") {
    if (!strata::check::CorruptReadVersion(&events, o.seed)) Usage("no read with a version");
  } else if (!corrupt.empty()) {
    Usage("unknown --corrupt " + corrupt);
  }
  strata::check::HistoryWriter writer(&std::cout);
  for (const strata::check::Event& e : events) {
    strata::Status s = writer.Write(e);
    if (!s.ok()) {
      std::fprintf(stderr, "strata-check-gen: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
