#include "tools/check/linearizability.h"

#include <algorithm>
#include <vector>

#include "tools/check/failed_set.h"
#include "tools/check/impossible_read.h"
#include "tools/check/search_problem.h"

namespace strata::check {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kLinearizable:
      return "linearizable";
    case Verdict::kViolation:
      return "violation";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Adds 1 to or takes 1 from a count.
void Adjust(uint32_t* n, bool down) { *n = down ? *n - 1 : *n + 1; }

// The search proper. Interchangeable info ops (puts of irrelevant values,
// and deletes) are tried last at each step, so that a configuration that
// used fewer of them fails first and covers the ones that used more.
class Search {
 public:
  Search(const SearchProblem& p, const SearchOptions& options)
      : p_(p),
        max_states_(options.max_states),
        bits_((p.ops.size() + 63) / 64, 0),
        key_(bits_.size(), 0),
        static_mask_(bits_.size(), ~uint64_t{0}),
        taken_(p.groups.size(), 0),
        writers_left_(p.values + 1, 0),
        needers_left_(p.values + 1, 0),
        comparers_left_(p.values + 1, 0),
        failed_(bits_.size()) {
    for (size_t i = 0; i < p.ops.size(); ++i) {
      ++writers_left_[p.writes[i]];
      ++needers_left_[p.needs[i]];
      ++comparers_left_[p.compares[i]];
      version_comparers_left_ += p.compares_version[i];
    }
    for (int32_t v = 1; v <= p.values; ++v) {
      if (Stranded(v)) stranded_.push_back(v);
    }
    for (int32_t g : {p.delete_group, p.unobserved_group}) {
      if (g < 0) continue;
      for (uint32_t id : p.groups[g]) static_mask_[id / 64] &= ~(uint64_t{1} << (id % 64));
    }
  }

  SearchResult Run() {
    if (Enter(KvState(), kRoot, 0)) return Done(Verdict::kLinearizable);
    while (!frames_.empty()) {
      Frame& f = frames_.back();
      if (f.next == candidates_.size()) {
        // Every continuation failed.
        FailedSet::Used used;
        const uint64_t state = Canonical(f.state, &used);
        failed_.Add(KeyHash(state), key_.data(), state, used);
        candidates_.resize(f.candidates_begin);
        const uint32_t via = f.via;
        frames_.pop_back();
        if (via != kRoot) Flip(via);
        continue;
      }
      const uint32_t id = candidates_[f.next++];
      KvState s = f.state;
      if (!Step(p_.ops[id], &s)) continue;
      Flip(id);
      if (Doomed(s) || Covered(s)) {
        Flip(id);
        continue;
      }
      if (++states_ >= max_states_) return Done(Verdict::kUnknown);
      if (Enter(s, id, f.first_open)) return Done(Verdict::kLinearizable);
    }
    return Done(Verdict::kViolation);
  }

 private:
  static constexpr uint32_t kRoot = UINT32_MAX;

  struct Frame {
    KvState state;
    uint32_t via;         // The op placed to get here.
    uint32_t first_open;  // Every ok op with a lower id is placed.
    size_t candidates_begin;
    size_t next;  // Next candidate to try.
  };

  bool Placed(uint32_t id) const { return (bits_[id / 64] >> (id % 64)) & 1; }

  // Places or un-places `id`.
  void Flip(uint32_t id) {
    const bool placing = !Placed(id);
    bits_[id / 64] ^= uint64_t{1} << (id % 64);
    if (id >= p_.ok_ops) Adjust(&taken_[p_.group_of[id - p_.ok_ops]], !placing);
    if (const int32_t v = p_.writes[id]; v != kUnobserved) {
      const bool was = Stranded(v);
      Adjust(&writers_left_[v], placing);
      NoteStranded(v, was);
    }
    if (const int32_t v = p_.needs[id]; v != kUnobserved) {
      const bool was = Stranded(v);
      Adjust(&needers_left_[v], placing);
      NoteStranded(v, was);
    }
    if (p_.compares[id] != kUnobserved) Adjust(&comparers_left_[p_.compares[id]], placing);
    if (p_.compares_version[id]) Adjust(&version_comparers_left_, placing);
  }

  // Value v is stranded when an unplaced ok op needs the key to hold v but
  // every op that writes v is placed: unless the key holds v now, no
  // completion of this order can satisfy that op.
  bool Stranded(int32_t v) const { return writers_left_[v] == 0 && needers_left_[v] > 0; }

  void NoteStranded(int32_t v, bool was) {
    if (was == Stranded(v)) return;
    if (!was) {
      stranded_.push_back(v);
      return;
    }
    auto it = std::find(stranded_.begin(), stranded_.end(), v);
    *it = stranded_.back();
    stranded_.pop_back();
  }

  // True when a value other than the state's is stranded. The unplaced op
  // that needs it takes part in the proof, so the horizon covers it.
  bool Doomed(const KvState& s) {
    for (int32_t v : stranded_) {
      if (v == s.value) continue;
      for (uint32_t id : p_.needers[v]) {
        if (Placed(id)) continue;
        horizon_ = std::max(horizon_, p_.invoke[id]);
        break;
      }
      return true;
    }
    return false;
  }

  // A value no unplaced op compares the key with: from here on, no step
  // tells it from any other such value.
  bool Irrelevant(int32_t v) const { return v == kUnobserved || comparers_left_[v] == 0; }

  bool InGroup(uint32_t id, int32_t g) const {
    return id >= p_.ok_ops && static_cast<int32_t>(p_.group_of[id - p_.ok_ops]) == g;
  }

  // Interchangeable with the other info ops of its kind: a delete, or a put
  // of an irrelevant value.
  bool Fungible(uint32_t id) const {
    if (id < p_.ok_ops) return false;
    if (InGroup(id, p_.delete_group)) return true;
    return p_.ops[id].kind == OpKind::kPut && Irrelevant(p_.writes[id]);
  }

  uint32_t Taken(int32_t g) const { return g < 0 ? 0 : taken_[g]; }

  // The configuration's key, merging configurations with the same future:
  // key_ gets the placed ops without the interchangeable ones (info puts of
  // irrelevant values, which once invoked, as every placed one was, differ
  // in nothing; info deletes likewise), `used` how many of each are placed.
  // Returns the state, where an irrelevant value becomes kUnobserved and the
  // version counts only while an unplaced op compares it.
  uint64_t Canonical(KvState s, FailedSet::Used* used) {
    for (size_t w = 0; w < key_.size(); ++w) key_[w] = bits_[w] & static_mask_[w];
    *used = {Taken(p_.unobserved_group), Taken(p_.delete_group)};
    for (uint32_t id : p_.observed_info_puts) {
      if (!Placed(id) || !Irrelevant(p_.writes[id])) continue;
      ++(*used)[0];
      key_[id / 64] &= ~(uint64_t{1} << (id % 64));
    }
    if (s.value != kAbsent && Irrelevant(s.value)) s.value = kUnobserved;
    if (version_comparers_left_ == 0) s.version = s.value == kAbsent ? 0 : 1;
    return s.Pack();
  }

  uint64_t KeyHash(uint64_t state) const {
    uint64_t h = Mix(state);
    for (uint64_t w : key_) h = Mix(h ^ w);
    return h;
  }

  bool Covered(const KvState& s) {
    FailedSet::Used used;
    const uint64_t state = Canonical(s, &used);
    return failed_.Covers(KeyHash(state), key_.data(), state, used);
  }

  // Pushes the frame for state `s`; returns true when every ok op is placed.
  bool Enter(KvState s, uint32_t via, uint32_t first_open) {
    const uint32_t n = p_.ok_ops;
    while (first_open < n && Placed(first_open)) ++first_open;
    if (first_open == n) return true;
    // Ops invoked after an open ok op's deadline cannot come yet; ids are in
    // invoke order, so the scan stops at the first one past the deadline.
    int64_t limit = kNever;
    for (uint32_t i = first_open; i < n && p_.invoke[i] <= limit; ++i) {
      if (!Placed(i)) limit = std::min(limit, p_.deadline[i]);
    }
    horizon_ = std::max(horizon_, limit);
    const size_t begin = candidates_.size();
    for (uint32_t i = first_open; i < n && p_.invoke[i] <= limit; ++i) {
      if (!Placed(i)) candidates_.push_back(i);
    }
    // Info ops: the next of each group; of the interchangeable ones, only
    // the earliest unplaced put and delete, and last.
    uint32_t fungible_put = kRoot;
    for (size_t g = 0; g < p_.groups.size(); ++g) {
      const std::vector<uint32_t>& members = p_.groups[g];
      if (taken_[g] == members.size()) continue;
      const uint32_t id = members[taken_[g]];
      if (p_.invoke[id] > limit || InGroup(id, p_.delete_group)) continue;
      if (!Fungible(id)) {
        candidates_.push_back(id);
      } else if (fungible_put == kRoot || p_.invoke[id] < p_.invoke[fungible_put]) {
        fungible_put = id;
      }
    }
    if (fungible_put != kRoot) candidates_.push_back(fungible_put);
    if (p_.delete_group >= 0) {
      const std::vector<uint32_t>& deletes = p_.groups[p_.delete_group];
      const uint32_t taken = taken_[p_.delete_group];
      if (taken < deletes.size() && p_.invoke[deletes[taken]] <= limit) {
        candidates_.push_back(deletes[taken]);
      }
    }
    frames_.push_back(Frame{s, via, first_open, begin, begin});
    return false;
  }

  SearchResult Done(Verdict v) const {
    return SearchResult{v, states_, v == Verdict::kViolation ? horizon_ : 0};
  }

  const SearchProblem& p_;
  const uint64_t max_states_;
  std::vector<uint64_t> bits_;  // Ops placed.
  std::vector<uint64_t> key_;   // Canonical()'s bits.
  // Clears the bits of the delete and unobserved-put groups: their counts
  // stand for them.
  std::vector<uint64_t> static_mask_;
  std::vector<uint32_t> taken_;  // Per group: members placed.
  // Per observed value, unplaced ops that: write it, need it (ok ops), and
  // compare the key with it. stranded_ lists the values with needers but no
  // writers left.
  std::vector<uint32_t> writers_left_;
  std::vector<uint32_t> needers_left_;
  std::vector<uint32_t> comparers_left_;
  std::vector<int32_t> stranded_;
  uint32_t version_comparers_left_ = 0;
  std::vector<Frame> frames_;
  std::vector<uint32_t> candidates_;  // Each frame's candidates, stacked.
  FailedSet failed_;
  uint64_t states_ = 0;  // Configurations entered.
  int64_t horizon_ = 0;
};

}  // namespace

SearchResult CheckKey(std::span<const Op* const> ops, const SearchOptions& options) {
  const SearchProblem p = PrepareSearch(ops);
  if (options.quick_proofs) {
    if (std::optional<uint32_t> r = FindImpossibleRead(p)) {
      return SearchResult{Verdict::kViolation, 0, p.deadline[*r]};
    }
  }
  return Search(p, options).Run();
}

}  // namespace strata::check
