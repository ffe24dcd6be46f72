#include "tools/check/random_history.h"

#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <tuple>

namespace strata::check {

namespace {

// splitmix64: portable, unlike std's distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t s_;
};

struct Register {
  std::optional<std::string> value;
  int64_t version = 0;
  std::vector<std::string> written;  // Every value ever written, for cas guesses.
};

enum class Fate : uint8_t { kOk, kFail, kInfo };

struct Pending {
  int64_t process = 0;
  Call call;
  Fate fate = Fate::kOk;
  Reply reply;
};

enum class Step : uint8_t { kInvoke, kEffect, kEnd };
// (time, sequence, step, process or op index): the sequence breaks ties.
using Item = std::tuple<int64_t, uint64_t, Step, size_t>;

class Generator {
 public:
  explicit Generator(const GeneratorOptions& o) : o_(o), rng_(o.seed) {}

  std::vector<Event> Run() {
    for (int p = 0; p < o_.processes; ++p) Push(rng_.Below(10'000), Step::kInvoke, p);
    while (!queue_.empty()) {
      const auto [time, seq, step, index] = queue_.top();
      queue_.pop();
      switch (step) {
        case Step::kInvoke:
          Invoke(time, static_cast<int64_t>(index));
          break;
        case Step::kEffect:
          Apply(&ops_[index]);
          break;
        case Step::kEnd:
          End(time, index);
          break;
      }
    }
    return std::move(events_);
  }

 private:
  void Push(int64_t time, Step step, size_t index) {
    queue_.emplace(time, next_seq_++, step, index);
  }

  std::string NewValue(int64_t process) {
    if (o_.value_domain > 0) return "v" + std::to_string(rng_.Below(o_.value_domain));
    return "p" + std::to_string(process) + "-" + std::to_string(++values_);
  }

  Call NewCall(int64_t process) {
    std::string key = "k" + std::to_string(rng_.Below(o_.keys));
    const Register& r = store_[key];
    const int64_t pick = rng_.Below(100);
    if (pick < 35) return Call::Get(std::move(key));
    if (pick < 65) return Call::Put(std::move(key), NewValue(process));
    if (pick < 75) return Call::Delete(std::move(key));
    // Cas: usually expect what the key holds now, so that many succeed.
    const bool current = rng_.Chance(0.7);
    if (rng_.Chance(0.5)) {
      const int64_t v = current ? r.version : rng_.Below(r.version + 2);
      return Call::CasVersion(std::move(key), v, NewValue(process));
    }
    std::string expected = "never";
    if (current && r.value) {
      expected = *r.value;
    } else if (!r.written.empty()) {
      expected = r.written[rng_.Below(static_cast<int64_t>(r.written.size()))];
    }
    return Call::CasValue(std::move(key), std::move(expected), NewValue(process));
  }

  void Invoke(int64_t now, int64_t process) {
    if (invoked_ >= o_.ops) return;
    ++invoked_;
    Pending op;
    op.process = process;
    op.call = NewCall(process);
    const double fate = static_cast<double>(rng_.Next() >> 11) * 0x1.0p-53;
    op.fate = fate < o_.fail_fraction                      ? Fate::kFail
              : fate < o_.fail_fraction + o_.info_fraction ? Fate::kInfo
                                                           : Fate::kOk;
    const int64_t duration = 2'000 + rng_.Below(98'000);
    const size_t index = ops_.size();
    if (op.fate == Fate::kOk) {
      Push(now + 1 + rng_.Below(duration - 1), Step::kEffect, index);
    } else if (op.fate == Fate::kInfo && rng_.Chance(0.5)) {
      // A timed-out write may still apply, even after the client gave up.
      Push(now + 1 + rng_.Below(3 * duration), Step::kEffect, index);
    }
    Push(now + duration, Step::kEnd, index);
    Event e;
    e.process = process;
    e.type = EventType::kInvoke;
    e.call = op.call;
    e.time_ns = now;
    events_.push_back(std::move(e));
    ops_.push_back(std::move(op));
  }

  void Apply(Pending* op) {
    Register& r = store_[op->call.key];
    const Call& c = op->call;
    switch (c.kind) {
      case OpKind::kGet:
        op->reply = Reply::Get(
            r.value, o_.record_versions ? std::optional<int64_t>(r.version) : std::nullopt);
        return;
      case OpKind::kPut:
        Write(c.value, &r);
        return;
      case OpKind::kDelete:
        op->reply = Reply::Delete(r.value ? 1 : 0);
        r.value.reset();
        r.version = 0;
        return;
      case OpKind::kCas: {
        const bool holds = c.compare == CasCompare::kVersion
                               ? r.version == c.expected_version
                               : (r.value.has_value() && *r.value == c.expected_value);
        op->reply = Reply::Cas(holds);
        if (holds) Write(c.value, &r);
        return;
      }
    }
  }

  static void Write(const std::string& value, Register* r) {
    r->value = value;
    r->version += 1;
    r->written.push_back(value);
  }

  void End(int64_t now, size_t index) {
    const Pending& op = ops_[index];
    Event e;
    e.process = op.process;
    e.call = op.call;
    e.time_ns = now;
    switch (op.fate) {
      case Fate::kOk:
        e.type = EventType::kOk;
        e.reply = op.reply;
        break;
      case Fate::kFail:
        e.type = EventType::kFail;
        e.error = "rejected (generated)";
        break;
      case Fate::kInfo:
        e.type = EventType::kInfo;
        e.error = "deadline exceeded (generated)";
        break;
    }
    events_.push_back(std::move(e));
    Push(now + rng_.Below(20'000), Step::kInvoke, static_cast<size_t>(op.process));
  }

  const GeneratorOptions o_;
  Rng rng_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue_;
  uint64_t next_seq_ = 0;
  std::map<std::string, Register> store_;
  std::vector<Pending> ops_;
  std::vector<Event> events_;
  int invoked_ = 0;
  uint64_t values_ = 0;
};

}  // namespace

std::vector<Event> GenerateHistory(const GeneratorOptions& options) {
  return Generator(options).Run();
}

}  // namespace strata::check
