#include "nemesis.h"

namespace strata::sim {

NemesisOptions DefaultNemesisOptions() {
  NemesisOptions o;
  o.faults = {{"crash", 6},  {"partition", 4},  {"weather", 2},   {"clock", 2},
              {"leader", 3}, {"membership", 3}, {"compaction", 3}};
  return o;
}

Nemesis::Nemesis(const NemesisOptions& options, uint64_t seed) : options_(options), rng_(seed) {
  for (const auto& e : options.faults) {
    auto f = MakeFault(e.fault);
    STRATA_ASSERT_MSG(f != nullptr, "unknown fault " + e.fault);
    faults_.push_back(std::move(f));
    weights_.push_back(e.weight);
    total_weight_ += e.weight;
  }
}

void Nemesis::step(Cluster& c) {
  for (auto& f : faults_) f->tick(c, rng_, counters_);
  if (total_weight_ == 0 || !rng_.chance(options_.fault_per_million)) return;
  uint64_t pick = rng_.uniform(total_weight_);
  for (size_t i = 0; i < faults_.size(); ++i) {
    if (pick < weights_[i]) {
      if (!faults_[i]->inject(c, rng_, counters_)) counters_["skipped"]++;
      return;
    }
    pick -= weights_[i];
  }
}

void Nemesis::heal(Cluster& c) {
  for (auto& f : faults_) f->heal(c);
}

}  // namespace strata::sim
