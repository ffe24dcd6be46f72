#include "register.h"

#include <charconv>
#include <vector>

#include "base/assert.h"

namespace strata::sim {
namespace {

constexpr std::string_view kMagic = "reg1";

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

uint64_t Register::Chain(uint64_t hash, std::string_view cmd) {
  uint64_t h = hash ^ 0x9e3779b97f4a7c15ULL;
  for (unsigned char c : cmd) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 29);
}

void Register::apply(std::string_view cmd) {
  STRATA_ASSERT(!cmd.empty());
  state_.count++;
  state_.hash = Chain(state_.hash, cmd);
  last_.assign(cmd);
}

// Layout: "reg1|<applied>|<count>|<hash>|<last command>".
std::string Register::Encode(raft::Index applied) const {
  std::string out(kMagic);
  for (uint64_t v : {applied.value(), state_.count, state_.hash}) {
    out.push_back('|');
    out.append(std::to_string(v));
  }
  out.push_back('|');
  out.append(last_);
  Register check;
  raft::Index check_applied;
  STRATA_ASSERT_MSG(check.Decode(out, &check_applied) && check.state_ == state_ &&
                        check.last_ == last_ && check_applied == applied,
                    "register image does not round-trip");
  return out;
}

bool Register::Decode(std::string_view image, raft::Index* applied) {
  if (image.empty()) {
    *this = Register();
    *applied = raft::Index(0);
    return true;
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 4) {
    size_t bar = image.find('|', start);
    if (bar == std::string_view::npos) return false;
    parts.push_back(image.substr(start, bar - start));
    start = bar + 1;
  }
  std::string_view last = image.substr(start);
  uint64_t idx = 0, count = 0, hash = 0;
  if (parts[0] != kMagic || !ParseU64(parts[1], &idx) || !ParseU64(parts[2], &count) ||
      !ParseU64(parts[3], &hash) || (count == 0) != last.empty()) {
    return false;
  }
  state_ = RegisterState{count, hash};
  last_.assign(last);
  *applied = raft::Index(idx);
  return true;
}

}  // namespace strata::sim
