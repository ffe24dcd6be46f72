// Many seeds through the library: no violations, and runs are deterministic.
#include <gtest/gtest.h>

#include "runner.h"

#ifndef STRATA_SIM_TEST_STEPS
#define STRATA_SIM_TEST_STEPS 1500
#endif

namespace strata::sim {
namespace {

constexpr uint64_t kSteps = STRATA_SIM_TEST_STEPS;

TEST(SimSeedsTest, TwoHundredSeedsHaveNoViolations) {
  uint64_t elections = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    RunOptions o;
    o.seed = seed;
    o.steps = kSteps;
    o.nodes = 3 + static_cast<int>(seed % 5);
    Trace off;
    RunResult r = RunSeed(o, &off);
    elections += r.elections;
    ASSERT_TRUE(r.violations.empty())
        << "seed " << seed << " (nodes " << o.nodes << "): " << r.violations.front().what
        << "\n  replay: strata-sim --seed " << seed << " --nodes " << o.nodes << " --steps "
        << kSteps << " --trace";
  }
  EXPECT_GT(elections, 200u);
}

TEST(SimSeedsTest, SameSeedSameTrace) {
  for (uint64_t seed : {7, 99}) {
    RunOptions o;
    o.seed = seed;
    o.steps = kSteps / 2;
    Trace a(0, nullptr), b(0, nullptr);
    RunResult ra = RunSeed(o, &a);
    RunResult rb = RunSeed(o, &b);
    EXPECT_GT(a.lines(), 500u);
    EXPECT_EQ(a.lines(), b.lines());
    EXPECT_EQ(a.hash(), b.hash()) << "seed " << seed << " is not deterministic";
    EXPECT_EQ(ra.counters, rb.counters);
    // Tracing must not change the run itself.
    Trace off;
    RunResult rc = RunSeed(o, &off);
    EXPECT_EQ(ra.counters, rc.counters);
    EXPECT_EQ(ra.elections, rc.elections);
  }
}

TEST(SimSeedsTest, DifferentSeedsDiffer) {
  RunOptions o;
  o.steps = 300;
  Trace a(0, nullptr), b(0, nullptr);
  o.seed = 1;
  (void)RunSeed(o, &a);
  o.seed = 2;
  (void)RunSeed(o, &b);
  EXPECT_NE(a.hash(), b.hash());
}

}  // namespace
}  // namespace strata::sim
