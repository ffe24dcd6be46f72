#include "tools/check/report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "tools/check/event_json.h"

namespace strata::check {

namespace {

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

double MsValue(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// "1 op", "2 ops".
std::string Count(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string Lines(const Op& op) {
  if (op.invoke_line == 0) return "";
  if (op.end_line == 0) return std::to_string(op.invoke_line);
  return std::to_string(op.invoke_line) + "," + std::to_string(op.end_line);
}

std::string KeyLine(const KeyReport& k) {
  std::string s = "key \"" + k.key + "\": ";
  switch (k.verdict) {
    case Verdict::kLinearizable:
      s += "linearizable";
      break;
    case Verdict::kViolation:
      s += "VIOLATION: not linearizable";
      break;
    case Verdict::kUnknown:
      s += "UNKNOWN: search budget exhausted";
      break;
  }
  s += " (" + Count(k.ops, "op") + ", " + std::to_string(k.info_ops) + " info, " +
       Count(k.states, "state") + ", " + Ms(k.check_ns) + ")\n";
  return s;
}

}  // namespace

std::string FormatOpsTable(std::span<const Op> ops, std::string_view indent) {
  std::vector<std::vector<std::string>> rows = {
      {"process", "op", "result", "invoke ns", "end ns", "lines"}};
  for (const Op& op : ops) {
    std::string end = std::to_string(op.end_ns);
    if (op.outcome == Outcome::kInfo) end += " (gave up; open forever)";
    rows.push_back({std::to_string(op.process), DescribeCall(op.call), DescribeOutcome(op),
                    std::to_string(op.invoke_ns), end, Lines(op)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatText(const Report& r, size_t max_passing_keys) {
  std::string out = Count(r.ops, "op") + " on " + Count(r.keys.size(), "key") + ": " +
                    std::to_string(r.info_ops) + " info (" + std::to_string(r.unfinished) +
                    " of them never completed); " +
                    Count(static_cast<size_t>(r.failed), "failed op") + " dropped\n";
  size_t passing_shown = 0, passing_hidden = 0;
  for (const KeyReport& k : r.keys) {
    if (k.verdict == Verdict::kLinearizable && passing_shown >= max_passing_keys) {
      ++passing_hidden;
      continue;
    }
    if (k.verdict == Verdict::kLinearizable) ++passing_shown;
    out += "  " + KeyLine(k);
  }
  if (passing_hidden > 0) {
    out += "  ... and " + std::to_string(passing_hidden) + " more linearizable keys\n";
  }
  size_t failing = 0, unknown = 0;
  for (const KeyReport& k : r.keys) {
    if (k.verdict == Verdict::kUnknown) ++unknown;
    if (k.verdict != Verdict::kViolation) continue;
    ++failing;
    if (k.shrink_checks == 0) {
      out += "\nkey \"" + k.key + "\": all " + std::to_string(k.failing.size()) +
             " ops (not shrunk):\n";
    } else {
      out +=
          "\nkey \"" + k.key + "\": failing core, " + std::to_string(k.failing.size()) + " of " +
          std::to_string(k.ops) + " ops (" +
          (k.failing_minimal ? "minimal" : "shrinking stopped at its limit, may not be minimal") +
          "; " + std::to_string(k.shrink_checks) + " searches, " + Ms(k.shrink_ns) + ").\n" +
          "  No order explains these replies, even with every other write to the key\n"
          "  allowed to have happened or not, at any time after its invoke:\n";
    }
    out += FormatOpsTable(k.failing, "  ");
  }
  out += "\nresult: " + std::string(VerdictName(r.verdict));
  if (failing > 0) {
    out +=
        ", " + std::to_string(failing) + " of " + Count(r.keys.size(), "key") + " not linearizable";
  }
  if (unknown > 0) {
    out += ", " + Count(unknown, "key") +
           " unknown (search budget exhausted; raise --max-states or check a shorter history)";
  }
  out += " (" + Ms(r.elapsed_ns) + ")\n";
  return out;
}

std::string FormatJson(const Report& r) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["result"] = std::string(VerdictName(r.verdict));
  j["ops"] = r.ops;
  j["info_ops"] = r.info_ops;
  j["unfinished"] = r.unfinished;
  j["failed"] = r.failed;
  j["keys"] = r.keys.size();
  j["elapsed_ms"] = MsValue(r.elapsed_ns);
  Json per_key = Json::array();
  Json violations = Json::array();
  for (const KeyReport& k : r.keys) {
    per_key.push_back({{"key", k.key},
                       {"result", std::string(VerdictName(k.verdict))},
                       {"ops", k.ops},
                       {"info_ops", k.info_ops},
                       {"states", k.states},
                       {"check_ms", MsValue(k.check_ns)}});
    if (k.verdict != Verdict::kViolation) continue;
    Json history = Json::array();
    for (const Event& e : ToEvents(k.failing)) {
      Result<std::string> line = EncodeEvent(e);
      // Keys and values came from a parsed file or a driver's writer: valid UTF-8.
      history.push_back(line.ok() ? Json::parse(*line) : Json(line.status().ToString()));
    }
    violations.push_back({{"key", k.key},
                          {"ops", k.failing.size()},
                          {"minimal", k.failing_minimal},
                          {"shrink_searches", k.shrink_checks},
                          {"shrink_ms", MsValue(k.shrink_ns)},
                          {"history", std::move(history)}});
  }
  j["per_key"] = std::move(per_key);
  j["violations"] = std::move(violations);
  return j.dump(/*indent=*/-1, ' ', /*ensure_ascii=*/false,
                nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace strata::check
