// Randomized: histories from a real sequential execution with random
// overlapping intervals are linearizable; one corrupted read makes them
// fail. Fixed seeds.
#include "tools/check/random_history.h"
#include "tools/check/history_corruption.h"

#include <gtest/gtest.h>

#include "tools/check/checker.h"
#include "tools/check/history.h"

namespace strata::check {
namespace {

History Build(const std::vector<Event>& events) {
  HistoryBuilder b;
  for (const Event& e : events) {
    Status s = b.Add(e);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return b.Finish();
}

Verdict CheckAll(const std::vector<Event>& events, bool quick_proofs) {
  CheckOptions o;
  o.search.quick_proofs = quick_proofs;
  o.shrink = false;
  return CheckHistory(Build(events), o).verdict;
}

GeneratorOptions Small(uint64_t seed) {
  GeneratorOptions o;
  o.seed = seed;
  o.processes = 4;
  o.keys = 2;  // Few keys: many overlapping ops per key.
  o.ops = 300;
  o.info_fraction = 0.08;
  o.fail_fraction = 0.02;
  return o;
}

TEST(RandomHistoryTest, SameSeedSameHistory) {
  const std::vector<Event> a = GenerateHistory(Small(42));
  const std::vector<Event> b = GenerateHistory(Small(42));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].time_ns, b[i].time_ns);
  EXPECT_NE(GenerateHistory(Small(43)).size() + GenerateHistory(Small(43))[5].time_ns,
            a.size() + a[5].time_ns);
}

TEST(RandomHistoryTest, GeneratedHistoriesAreLinearizable) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    GeneratorOptions o = Small(seed);
    o.value_domain = seed % 2 == 0 ? 0 : 3;  // Unique values, and a few repeated ones.
    o.record_versions = seed % 3 != 0;
    const std::vector<Event> events = GenerateHistory(o);
    EXPECT_EQ(CheckAll(events, true), Verdict::kLinearizable) << "seed " << seed;
    EXPECT_EQ(CheckAll(events, false), Verdict::kLinearizable) << "seed " << seed;
  }
}

TEST(RandomHistoryTest, AReadOfANeverWrittenValueFails) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::vector<Event> events = GenerateHistory(Small(seed));
    ASSERT_TRUE(CorruptReadNeverWritten(&events, seed));
    EXPECT_EQ(CheckAll(events, true), Verdict::kViolation) << "seed " << seed;
    EXPECT_EQ(CheckAll(events, false), Verdict::kViolation) << "seed " << seed;
  }
}

TEST(RandomHistoryTest, AStaleReadFailsAndShrinksToAFailingCore) {
  int corrupted = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::vector<Event> events = GenerateHistory(Small(seed));
    if (!CorruptReadStale(&events, seed)) continue;
    ++corrupted;
    EXPECT_EQ(CheckAll(events, true), Verdict::kViolation) << "seed " << seed;
    EXPECT_EQ(CheckAll(events, false), Verdict::kViolation) << "seed " << seed;
    if (seed % 4 != 0) continue;  // Shrinking takes longest; a quarter of the seeds suffice.
    const Report r = CheckHistory(Build(events), CheckOptions());
    for (const KeyReport& k : r.keys) {
      if (k.verdict != Verdict::kViolation) continue;
      EXPECT_TRUE(k.failing_minimal) << "seed " << seed;
      EXPECT_LE(k.failing.size(), 6u) << "seed " << seed;
      // The core alone is a history that fails.
      History core;
      core.ops = k.failing;
      EXPECT_EQ(CheckHistory(core, CheckOptions()).verdict, Verdict::kViolation) << "seed " << seed;
    }
  }
  EXPECT_GE(corrupted, 30);
}

}  // namespace
}  // namespace strata::check
