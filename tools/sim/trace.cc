#include "trace.h"

namespace strata::sim {

std::string FormatTime(SimTime t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llu.%03llu",
                static_cast<unsigned long long>(t / kSubticksPerTick),
                static_cast<unsigned long long>(t % kSubticksPerTick));
  return buf;
}

Trace::Trace(size_t tail_capacity, std::FILE* echo)
    : on_(true), tail_capacity_(tail_capacity), echo_(echo) {}

void Trace::add(SimTime now, std::string_view text) {
  if (!on_) return;
  std::string line = "[";
  line.append(FormatTime(now)).append("] ");
  line.append(text);
  for (unsigned char c : line) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
  hash_ ^= '\n';
  hash_ *= 0x100000001b3ULL;
  ++lines_;
  if (echo_ != nullptr) std::fprintf(echo_, "%s\n", line.c_str());
  if (tail_capacity_ > 0) {
    if (tail_.size() == tail_capacity_) tail_.pop_front();
    tail_.push_back(std::move(line));
  }
}

}  // namespace strata::sim
