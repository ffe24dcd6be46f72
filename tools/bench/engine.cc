#include "engine.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "ops.h"

namespace strata::bench {

namespace {

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

std::chrono::system_clock::time_point ToSystem(Clock::time_point t) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Clock::now());
}

// What all workers share: when to start, measure and stop, and the tickets.
struct Schedule {
  Phase phase = Phase::kRun;
  Clock::time_point t0, measure_start, end, load_deadline;
  bool by_total = false;
  uint64_t total = 0;
  double rate = 0;
  uint64_t load_keys = 0, load_batch = 1;
  std::atomic<uint64_t> tickets{0};   // Open loop: request k is due at t0 + k / rate.
  std::atomic<uint64_t> measured{0};  // --total: measured requests handed out.
  std::atomic<uint64_t> next_batch{0};
  std::atomic<bool> stop{false};
};

class Worker {
 public:
  Worker(const Options& o, Schedule& s, const KeyChooser& chooser, uint64_t seed)
      : o_(o), s_(s), maker_(o, chooser, seed) {}

  void AddCall(etcdserverpb::KV::Stub* kv) { calls_.push_back(std::make_unique<Call>(kv)); }

  void Run() {
    for (auto& c : calls_) outstanding_ += Next(*c) ? 1 : 0;
    bool cancelled = false;
    const bool windowed = s_.phase == Phase::kRun && !s_.by_total;
    while (outstanding_ > 0) {
      void* tag = nullptr;
      bool ok = false;
      auto wait_until = windowed && !cancelled ? s_.end + std::chrono::milliseconds(1)
                                               : Clock::now() + std::chrono::milliseconds(100);
      auto st = cq_.AsyncNext(&tag, &ok, ToSystem(wait_until));
      if (st == grpc::CompletionQueue::SHUTDOWN) break;
      if (st == grpc::CompletionQueue::TIMEOUT) {
        // Past the window nothing more counts: do not wait for slow answers.
        if (windowed && !cancelled && Clock::now() >= s_.end) {
          for (auto& c : calls_) {
            if (c->in_flight) c->ctx->TryCancel();
          }
          cancelled = true;
        }
        continue;
      }
      auto* t = static_cast<Call::Tag*>(tag);
      if (t->alarm) {
        t->call->Start(&cq_, o_.timeout);
      } else {
        Finish(*t->call);
      }
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  RunResult& result() { return result_; }
  Clock::time_point last_completion() const { return last_completion_; }

 private:
  // Prepares and starts (or schedules) c's next request; false when done.
  bool Next(Call& c) {
    Clock::time_point now = Clock::now();
    if (s_.stop.load(std::memory_order_relaxed)) return false;
    if (s_.phase == Phase::kLoad) {
      if (s_.load_deadline != Clock::time_point() && now >= s_.load_deadline) return false;
      uint64_t first = s_.next_batch.fetch_add(1) * s_.load_batch;
      if (first >= s_.load_keys) return false;
      maker_.PrepareLoad(c, first, std::min(s_.load_batch, s_.load_keys - first));
      c.attempts = 0;
      c.start = now;
      c.Start(&cq_, o_.timeout);
      return true;
    }
    Clock::time_point due = now;
    if (s_.rate > 0) {
      double k = static_cast<double>(s_.tickets.fetch_add(1));
      due = s_.t0 + std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / s_.rate));
    }
    if (!s_.by_total && due >= s_.end) {
      s_.stop = true;
      return false;
    }
    if (s_.by_total && due >= s_.measure_start && s_.measured.fetch_add(1) >= s_.total) {
      s_.stop = true;
      return false;
    }
    maker_.Prepare(c);
    c.start = due;
    if (due > now) {
      c.alarm.Set(&cq_, ToSystem(due), &c.alarm_tag);
    } else {
      c.Start(&cq_, o_.timeout);
    }
    return true;
  }

  void Finish(Call& c) {
    Clock::time_point now = Clock::now();
    c.in_flight = false;
    const bool load = s_.phase == Phase::kLoad;
    const bool counted = load || (c.start >= s_.measure_start && (s_.by_total || now <= s_.end));
    if (!c.status.ok()) {
      // A failed load batch is retried: later runs rely on every key existing.
      if (load && ++c.attempts < 3) {
        c.Start(&cq_, o_.timeout);
        return;
      }
      if (counted) {
        std::string code = CodeName(c.status.error_code());
        ++result_.errors;
        ++result_.errors_by_code[code];
        if (result_.first_error.empty())
          result_.first_error = code + ": " + c.status.error_message();
      }
    } else {
      Outcome outcome = maker_.Interpret(c);
      if (counted) {
        ++result_.ops;
        result_.latency.Record(static_cast<uint64_t>((now - c.start).count()));
        if (outcome == Outcome::kCompareFailed) ++result_.compare_failures;
        if (load) result_.keys_loaded += c.batch_keys;
        last_completion_ = std::max(last_completion_, now);
      }
    }
    if (!Next(c)) --outstanding_;
  }

  const Options& o_;
  Schedule& s_;
  OpMaker maker_;
  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<Call>> calls_;
  int outstanding_ = 0;
  RunResult result_;
  Clock::time_point last_completion_;
};

}  // namespace

RunResult Run(const Options& o, const std::vector<Connection>& conns, Phase phase) {
  const bool scan = o.workload == Workload::kRange;
  KeyChooser chooser(scan ? o.key_space - o.range_keys + 1 : o.key_space, o.key_dist, o.zipf_theta);
  Schedule s;
  s.phase = phase;
  s.by_total = o.total > 0;
  s.total = o.total;
  s.rate = o.rate;
  s.load_keys = o.load;
  s.load_batch = static_cast<uint64_t>(o.load_batch);

  int clients = phase == Phase::kLoad ? o.load_clients : o.clients;
  int threads = std::min(o.threads, clients);
  std::random_device seeds;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    uint64_t seed = (uint64_t{seeds()} << 32) ^ seeds() ^ static_cast<uint64_t>(i);
    workers.push_back(std::make_unique<Worker>(o, s, chooser, seed));
  }
  for (int j = 0; j < clients; ++j) workers[j % threads]->AddCall(conns[j % conns.size()].kv.get());

  s.t0 = Clock::now();
  s.measure_start = phase == Phase::kLoad ? s.t0 : s.t0 + o.warmup;
  s.end = s.measure_start + o.duration;
  if (o.load_timeout.count() > 0) s.load_deadline = s.t0 + o.load_timeout;
  std::vector<std::thread> pool;
  for (auto& w : workers) pool.emplace_back([&w] { w->Run(); });
  for (std::thread& t : pool) t.join();

  RunResult out;
  Clock::time_point last = s.measure_start;
  for (auto& w : workers) {
    RunResult& r = w->result();
    out.latency.Merge(r.latency);
    out.ops += r.ops;
    out.errors += r.errors;
    out.compare_failures += r.compare_failures;
    out.keys_loaded += r.keys_loaded;
    for (const auto& [code, n] : r.errors_by_code) out.errors_by_code[code] += n;
    if (out.first_error.empty()) out.first_error = r.first_error;
    last = std::max(last, w->last_completion());
  }
  bool windowed = phase == Phase::kRun && !s.by_total;
  auto elapsed = windowed ? s.end - s.measure_start : last - s.measure_start;
  out.elapsed_s = std::chrono::duration<double>(elapsed).count();
  return out;
}

}  // namespace strata::bench
