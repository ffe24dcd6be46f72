#include "duration.h"

#include <array>
#include <cctype>
#include <cmath>

namespace strata::bench {

namespace {

struct Unit {
  std::string_view name;
  double ns;
};

// Longest names first so that "ms" is not read as "m" followed by "s".
constexpr std::array kUnits = {Unit{"ns", 1},  Unit{"us", 1e3}, Unit{"ms", 1e6},
                               Unit{"s", 1e9}, Unit{"m", 60e9}, Unit{"h", 3600e9}};

Status Bad(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                 "\": " + std::string(why));
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return Bad(text, "empty");
  double total_ns = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    bool dot = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
      dot = dot || text[i] == '.';
      ++i;
    }
    std::string number(text.substr(start, i - start));
    if (number.empty() || number == ".") return Bad(text, "expected a number");
    size_t unit_len = 0;
    double unit_ns = 0;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name && u.name.size() > unit_len) {
        unit_len = u.name.size();
        unit_ns = u.ns;
      }
    }
    if (unit_len == 0) return Bad(text, "expected a unit (ns, us, ms, s, m, h)");
    i += unit_len;
    total_ns += std::stod(number) * unit_ns;
  }
  if (total_ns > 1e18) return Bad(text, "too long");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total_ns)));
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0";
  if (ns % 60'000'000'000 == 0) return std::to_string(ns / 60'000'000'000) + "m";
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  return std::to_string(ns) + "ns";
}

}  // namespace strata::bench
