#include "tools/check/history_corruption.h"

#include <map>
#include <string>

namespace strata::check {

namespace {

// A well-mixed 64-bit value from a seed (splitmix64's finalizer).
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// An op's invoke and end positions in an event list.
struct Span {
  size_t invoke;
  size_t end;
};

std::vector<Span> PairUp(const std::vector<Event>& events) {
  std::vector<Span> spans;
  std::map<int64_t, size_t> open;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].type == EventType::kInvoke) {
      open[events[i].process] = i;
    } else if (auto it = open.find(events[i].process); it != open.end()) {
      spans.push_back({it->second, i});
      open.erase(it);
    }
  }
  return spans;
}

bool IsOkGet(const std::vector<Event>& ev, const Span& s) {
  return ev[s.end].type == EventType::kOk && ev[s.end].call.kind == OpKind::kGet;
}

}  // namespace

bool CorruptReadNeverWritten(std::vector<Event>* events, uint64_t seed) {
  std::vector<size_t> gets;
  for (const Span& s : PairUp(*events)) {
    if (IsOkGet(*events, s)) gets.push_back(s.end);
  }
  if (gets.empty()) return false;
  Event& e = (*events)[gets[Mix(seed) % gets.size()]];
  e.reply.value = "never-written-" + std::to_string(seed);
  if (e.reply.version) e.reply.version = 1;
  return true;
}

bool CorruptReadVersion(std::vector<Event>* events, uint64_t seed) {
  std::vector<size_t> gets;
  for (const Span& s : PairUp(*events)) {
    const Event& e = (*events)[s.end];
    if (IsOkGet(*events, s) && e.reply.value && e.reply.version) gets.push_back(s.end);
  }
  if (gets.empty()) return false;
  Event& e = (*events)[gets[Mix(seed) % gets.size()]];
  e.reply.version = *e.reply.version + 1;
  return true;
}

bool CorruptReadStale(std::vector<Event>* events, uint64_t seed) {
  const std::vector<Event>& ev = *events;
  const std::vector<Span> spans = PairUp(ev);
  auto ok_write = [&](const Span& s) {
    const Event& end = ev[s.end];
    if (end.type != EventType::kOk) return false;
    return end.call.kind == OpKind::kPut || (end.call.kind == OpKind::kCas && end.reply.succeeded);
  };
  auto ok_change = [&](const Span& s) {
    return ok_write(s) ||
           (ev[s.end].type == EventType::kOk && ev[s.end].call.kind == OpKind::kDelete);
  };
  std::vector<size_t> gets;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (IsOkGet(ev, spans[i])) gets.push_back(i);
  }
  // Visit the gets from a random start so that the seed picks which one.
  const size_t first = gets.empty() ? 0 : Mix(seed) % gets.size();
  for (size_t n = 0; n < gets.size(); ++n) {
    const Span& read = spans[gets[(first + n) % gets.size()]];
    const std::string& key = ev[read.invoke].call.key;
    const int64_t read_invoke = ev[read.invoke].time_ns;
    // The change that ended before the read and was invoked last...
    const Span* change = nullptr;
    for (const Span& s : spans) {
      if (ev[s.invoke].call.key != key || !ok_change(s) || ev[s.end].time_ns >= read_invoke) {
        continue;
      }
      if (change == nullptr || ev[s.invoke].time_ns > ev[change->invoke].time_ns) change = &s;
    }
    if (change == nullptr) continue;
    // ...and the latest write that ended before that change began.
    const Span* stale = nullptr;
    for (const Span& s : spans) {
      if (&s == change || ev[s.invoke].call.key != key || !ok_write(s) ||
          ev[s.end].time_ns >= ev[change->invoke].time_ns) {
        continue;
      }
      if (stale == nullptr || ev[s.end].time_ns > ev[stale->end].time_ns) stale = &s;
    }
    if (stale == nullptr) continue;
    Event& e = (*events)[read.end];
    if (e.reply.value == ev[stale->invoke].call.value) continue;
    e.reply.value = ev[stale->invoke].call.value;
    if (e.reply.version && *e.reply.version == 0) e.reply.version = 1;
    return true;
  }
  return false;
}

}  // namespace strata::check
