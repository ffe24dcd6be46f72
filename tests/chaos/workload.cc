#include "tests/chaos/workload.h"

#include <map>
#include <memory>
#include <optional>

#include "tests/chaos/client_op.h"
#include "tools/sim/prng.h"

namespace strata::chaos {
namespace {

using check::Call;
using check::EventType;
using check::OpKind;

// What one client last saw of a register key, to aim its compares.
struct Seen {
  std::optional<std::string> value;
  int64_t version = 0;
};

bool IsWrite(const Call& call) { return call.kind != OpKind::kGet; }

}  // namespace

Workload::Workload(WorkloadOptions options, check::HistoryWriter* history, Endpoints endpoints)
    : options_(std::move(options)), history_(history), endpoints_(std::move(endpoints)) {}

Workload::~Workload() { Stop(); }

void Workload::Start() {
  for (int p = 1; p <= options_.clients; ++p) threads_.emplace_back([this, p] { RunClient(p); });
}

void Workload::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

Status Workload::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::vector<std::string> Workload::acked_log_keys() const {
  std::lock_guard lock(mu_);
  return acked_log_;
}

std::vector<std::string> Workload::register_keys() const {
  std::lock_guard lock(mu_);
  return {register_keys_.begin(), register_keys_.end()};
}

void Workload::Note(const Status& s) {
  if (s.ok()) return;
  std::lock_guard lock(mu_);
  if (status_.ok()) status_ = s;
}

std::string Workload::RegisterKey(uint64_t draw) {
  const int64_t n = register_ops_.fetch_add(1);
  const int64_t generation = n / (options_.keys * options_.ops_per_key);
  std::string key = register_prefix() + std::to_string(generation) + "/k" +
                    std::to_string(draw % static_cast<uint64_t>(options_.keys));
  std::lock_guard lock(mu_);
  register_keys_.insert(key);
  return key;
}

void Workload::RunClient(int process) {
  sim::Prng rng(sim::DeriveSeed(options_.seed, 1000 + static_cast<uint64_t>(process)));
  std::map<std::string, std::unique_ptr<Stubs>> stubs;
  std::map<std::string, Seen> seen;
  std::string endpoint;
  int64_t counter = 0;
  auto pick_endpoint = [&]() -> Stubs* {
    std::vector<std::string> live = endpoints_();
    if (live.empty()) return nullptr;
    endpoint = live[rng.uniform(live.size())];
    auto& s = stubs[endpoint];
    if (!s) s = std::make_unique<Stubs>(endpoint);
    return s.get();
  };
  Stubs* target = nullptr;
  while (!stop_) {
    if (target == nullptr || !target->connected()) {
      target = pick_endpoint();
      // Not connected: a call would fail without being sent. Back off briefly.
      if (target == nullptr || !target->connected()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
    }
    const uint64_t r = rng.uniform(100);
    const std::string value = "p" + std::to_string(process) + "-" + std::to_string(++counter);
    const bool heavy = options_.write_heavy;
    Call call;
    bool log_put = false;
    if (r >= (heavy ? 65u : 88u)) {
      log_put = true;
      call = Call::Put(log_prefix() + value, value);
    } else {
      const std::string key = RegisterKey(rng.next());
      const Seen& s = seen[key];
      if (r < (heavy ? 10u : 35u)) {
        call = Call::Get(key);
      } else if (r < (heavy ? 45u : 58u)) {
        call = Call::Put(key, value);
      } else if (r < (heavy ? 55u : 72u)) {
        call = Call::CasVersion(key, s.version, value);
      } else if (r < (heavy ? 60u : 80u) && s.value.has_value()) {
        call = Call::CasValue(key, *s.value, value);
      } else {
        call = Call::Delete(key);
      }
    }
    Note(history_->Invoke(process, call));
    Outcome out = Execute(*target, call, options_.timeout);
    switch (out.type) {
      case EventType::kOk: {
        Note(history_->Ok(process, call, out.reply));
        ++ok_;
        const bool acked_write =
            IsWrite(call) && (call.kind != OpKind::kCas || out.reply.succeeded);
        if (acked_write) ++acked_writes_;
        if (log_put) {
          std::lock_guard lock(mu_);
          acked_log_.push_back(call.key);
        } else if (call.kind == OpKind::kGet) {
          seen[call.key] = {out.reply.value, out.reply.version.value_or(0)};
        } else if (acked_write) {
          Seen& s = seen[call.key];
          s.value = call.kind == OpKind::kDelete ? std::nullopt : std::optional(call.value);
          s.version = call.kind == OpKind::kDelete ? 0 : s.version + 1;
        }
        break;
      }
      case EventType::kFail:
        Note(history_->Fail(process, call, out.error));
        ++failed_;
        target = nullptr;  // Try another member next.
        break;
      default:
        Note(history_->Info(process, call, out.error));
        ++info_;
        target = nullptr;
        break;
    }
  }
}

}  // namespace strata::chaos
