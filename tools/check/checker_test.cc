// CheckHistory: per-key partitioning, the overall verdict, and the reports.
#include "tools/check/checker.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tools/check/report.h"
#include "tools/check/test_ops.h"

namespace strata::check {
namespace {

using testing::Ok;

Op Put(std::string key, std::string value, int64_t invoke, int64_t end, int64_t process = 1) {
  return Ok(Call::Put(std::move(key), std::move(value)), Reply::Put(), invoke, end, process);
}

Op Get(std::string key, std::optional<std::string> value, int64_t invoke, int64_t end,
       int64_t process = 2) {
  return Ok(Call::Get(std::move(key)), Reply::Get(std::move(value)), invoke, end, process);
}

TEST(CheckerTest, KeysAreCheckedSeparately) {
  History h;
  // Per key, each read is fine; mixed into one register they could not be.
  h.ops = {Put("x", "1", 0, 10), Put("y", "2", 20, 30), Get("x", "1", 40, 50),
           Get("y", "2", 40, 50, 3), Get("z", std::nullopt, 60, 70)};
  const Report r = CheckHistory(h, CheckOptions());
  EXPECT_EQ(r.verdict, Verdict::kLinearizable);
  ASSERT_EQ(r.keys.size(), 3u);
  EXPECT_EQ(r.keys[0].key, "x");
  EXPECT_EQ(r.keys[0].ops, 2u);
  EXPECT_EQ(r.keys[2].key, "z");
  EXPECT_EQ(r.ops, 5u);
}

TEST(CheckerTest, OneBadKeyFailsTheHistoryAndIsShrunk) {
  History h;
  h.ops = {Put("good", "1", 0, 10),     Get("good", "1", 20, 30), Put("bad", "a", 0, 10),
           Put("bad", "noise", 12, 14), Put("bad", "b", 20, 30),  Get("bad", "a", 40, 50),
           Put("bad", "c", 60, 70)};
  const Report r = CheckHistory(h, CheckOptions());
  EXPECT_EQ(r.verdict, Verdict::kViolation);
  ASSERT_EQ(r.keys.size(), 2u);
  const KeyReport& bad = r.keys[0];
  EXPECT_EQ(bad.key, "bad");
  EXPECT_EQ(bad.verdict, Verdict::kViolation);
  EXPECT_EQ(r.keys[1].verdict, Verdict::kLinearizable);
  // Put a, then either later write, then the stale read.
  ASSERT_EQ(bad.failing.size(), 3u);
  EXPECT_TRUE(bad.failing_minimal);
  EXPECT_EQ(bad.failing[0].call.value, "a");
  EXPECT_TRUE(bad.failing[1].call.value == "b" || bad.failing[1].call.value == "noise");
  EXPECT_EQ(bad.failing[2].reply.value, "a");
}

TEST(CheckerTest, ViolationOutranksUnknown) {
  History h;
  // Key "busy" needs a search (no read to prove wrong quickly): after six
  // concurrent puts and a delete, two creates cannot both succeed.
  for (int p = 0; p < 6; ++p) h.ops.push_back(Put("busy", std::to_string(p), 0, 100, p));
  h.ops.push_back(Ok(Call::Delete("busy"), Reply::Delete(), 300, 310));
  h.ops.push_back(Ok(Call::CasVersion("busy", 0, "x"), Reply::Cas(true), 320, 330, 1));
  h.ops.push_back(Ok(Call::CasVersion("busy", 0, "y"), Reply::Cas(true), 320, 330, 2));
  CheckOptions o;
  o.search.max_states = 5;
  Report r = CheckHistory(h, o);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  h.ops.push_back(Put("stale", "a", 0, 10));
  h.ops.push_back(Put("stale", "b", 20, 30));
  h.ops.push_back(Get("stale", "a", 40, 50));
  r = CheckHistory(h, o);
  EXPECT_EQ(r.verdict, Verdict::kViolation);
  EXPECT_EQ(r.keys[0].verdict, Verdict::kUnknown);
  EXPECT_EQ(r.keys[1].verdict, Verdict::kViolation);
}

TEST(CheckerTest, TextReportShowsTheFailingCore) {
  History h;
  Op a = Put("k", "a", 1000, 2000, 4);
  a.invoke_line = 1;
  a.end_line = 2;
  h.ops = {a, Put("k", "b", 3000, 4000, 5), Get("k", "a", 5000, 6000, 6)};
  const std::string text = FormatText(CheckHistory(h, CheckOptions()));
  EXPECT_NE(text.find("key \"k\": VIOLATION: not linearizable (3 ops"), std::string::npos) << text;
  EXPECT_NE(text.find("failing core, 3 of 3 ops"), std::string::npos) << text;
  EXPECT_NE(text.find("process  op        result  invoke ns  end ns  lines"), std::string::npos)
      << text;
  EXPECT_NE(text.find("4        put(\"a\")  ok      1000       2000    1,2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("6        get()     \"a\"     5000       6000"), std::string::npos) << text;
  EXPECT_NE(text.find("result: violation, 1 of 1 key not linearizable"), std::string::npos) << text;
}

TEST(CheckerTest, JsonReportCarriesTheCoreAsHistoryLines) {
  History h;
  h.ops = {Put("k", "a", 0, 10), Put("k", "b", 20, 30), Get("k", "a", 40, 50),
           Put("other", "x", 0, 5)};
  const nlohmann::json j = nlohmann::json::parse(FormatJson(CheckHistory(h, CheckOptions())));
  EXPECT_EQ(j["result"], "violation");
  EXPECT_EQ(j["ops"], 4);
  EXPECT_EQ(j["keys"], 2);
  ASSERT_EQ(j["per_key"].size(), 2u);
  EXPECT_EQ(j["per_key"][0]["key"], "k");
  EXPECT_EQ(j["per_key"][0]["result"], "violation");
  EXPECT_EQ(j["per_key"][1]["result"], "linearizable");
  ASSERT_EQ(j["violations"].size(), 1u);
  const nlohmann::json& v = j["violations"][0];
  EXPECT_EQ(v["key"], "k");
  EXPECT_EQ(v["minimal"], true);
  ASSERT_EQ(v["history"].size(), 6u);  // Three ops, invoke and end each.
  EXPECT_EQ(v["history"][0]["type"], "invoke");
  EXPECT_EQ(v["history"][5]["result"], "a");
}

}  // namespace
}  // namespace strata::check
