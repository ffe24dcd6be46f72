#include "tools/check/checker.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <span>

#include "tools/check/shrink.h"

namespace strata::check {

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<Op> InInvokeOrder(std::span<const Op* const> ops) {
  std::vector<Op> out;
  for (const Op* op : ops) out.push_back(*op);
  std::stable_sort(out.begin(), out.end(),
                   [](const Op& a, const Op& b) { return a.invoke_ns < b.invoke_ns; });
  return out;
}

KeyReport CheckOneKey(const std::string& key, const std::vector<const Op*>& ops,
                      const CheckOptions& options) {
  KeyReport k;
  k.key = key;
  k.ops = ops.size();
  k.info_ops = static_cast<size_t>(std::count_if(
      ops.begin(), ops.end(), [](const Op* op) { return op->outcome == Outcome::kInfo; }));
  const int64_t start = NowNs();
  const SearchResult r = CheckKey(ops, options.search);
  k.check_ns = NowNs() - start;
  k.verdict = r.verdict;
  k.states = r.states;
  if (r.verdict != Verdict::kViolation) return k;
  if (!options.shrink) {
    k.failing = InInvokeOrder(ops);
    return k;
  }
  const int64_t shrink_start = NowNs();
  ShrinkResult s = ShrinkViolation(ops, options.search, options.shrink_limits);
  k.shrink_ns = NowNs() - shrink_start;
  k.failing = InInvokeOrder(s.ops);
  k.failing_minimal = s.minimal;
  k.shrink_checks = s.checks;
  return k;
}

}  // namespace

Report CheckHistory(const History& h, const CheckOptions& options) {
  const int64_t start = NowNs();
  Report report;
  report.ops = h.ops.size();
  report.failed = h.failed;
  report.unfinished = h.unfinished;
  std::map<std::string, std::vector<const Op*>> by_key;
  for (const Op& op : h.ops) {
    by_key[op.call.key].push_back(&op);
    if (op.outcome == Outcome::kInfo) ++report.info_ops;
  }
  bool unknown = false;
  for (const auto& [key, ops] : by_key) {
    report.keys.push_back(CheckOneKey(key, ops, options));
    const Verdict v = report.keys.back().verdict;
    if (v == Verdict::kViolation) report.verdict = Verdict::kViolation;
    if (v == Verdict::kUnknown) unknown = true;
  }
  if (unknown && report.verdict != Verdict::kViolation) report.verdict = Verdict::kUnknown;
  report.elapsed_ns = NowNs() - start;
  return report;
}

}  // namespace strata::check
