#include "tools/check/history.h"

#include <algorithm>
#include <string>

namespace strata::check {

namespace {

// "line 7: " as a message prefix.
std::string Where(int64_t line) {
  return line > 0 ? "line " + std::to_string(line) + ": " : std::string();
}

// " (line 7)" after a mention of an earlier event.
std::string AtLine(int64_t line) {
  return line > 0 ? " (line " + std::to_string(line) + ")" : std::string();
}

}  // namespace

Status HistoryBuilder::Add(const Event& e, int64_t line) {
  const std::string where = Where(line);
  const std::string proc = "process " + std::to_string(e.process);
  auto it = open_.find(e.process);
  if (e.type == EventType::kInvoke) {
    if (it != open_.end()) {
      return Status::InvalidArgument(
          where + proc + " invokes " + std::string(OpKindName(e.call.kind)) + " while its " +
          std::string(OpKindName(it->second.call.kind)) + AtLine(it->second.invoke_line) +
          " is still open (one op at a time per process)");
    }
    Op op;
    op.process = e.process;
    op.call = e.call;
    op.invoke_ns = e.time_ns;
    op.invoke_line = line;
    open_.emplace(e.process, std::move(op));
    return Status::Ok();
  }
  const std::string type(EventTypeName(e.type));
  if (it == open_.end()) {
    return Status::InvalidArgument(where + proc + " has " + type + " for " +
                                   std::string(OpKindName(e.call.kind)) +
                                   " but no open op (missing invoke?)");
  }
  Op& op = it->second;
  if (op.call.kind != e.call.kind || op.call.key != e.call.key) {
    return Status::InvalidArgument(
        where + proc + " ends " + std::string(OpKindName(e.call.kind)) + " on key \"" + e.call.key +
        "\" but its open op" + AtLine(op.invoke_line) + " is " +
        std::string(OpKindName(op.call.kind)) + " on key \"" + op.call.key + "\"");
  }
  if (e.time_ns < op.invoke_ns) {
    return Status::InvalidArgument(where + proc + " ends at time " + std::to_string(e.time_ns) +
                                   ", before its invoke at " + std::to_string(op.invoke_ns) +
                                   AtLine(op.invoke_line));
  }
  op.end_ns = e.time_ns;
  op.end_line = line;
  if (e.type == EventType::kFail) {
    ++history_.failed;
  } else {
    op.outcome = e.type == EventType::kOk ? Outcome::kOk : Outcome::kInfo;
    if (e.type == EventType::kOk) op.reply = e.reply;
    op.error = e.error;
    history_.ops.push_back(std::move(op));
  }
  open_.erase(it);
  return Status::Ok();
}

History HistoryBuilder::Finish() {
  for (auto& [process, op] : open_) {
    op.outcome = Outcome::kInfo;
    op.error = "no completion in history";
    op.end_ns = op.invoke_ns;
    history_.ops.push_back(std::move(op));
    ++history_.unfinished;
  }
  open_.clear();
  History h = std::move(history_);
  history_ = History();
  return h;
}

std::vector<Event> ToEvents(std::span<const Op> ops) {
  // Each process's events in its own order, then a stable sort by time:
  // a process's events stay in order (its times never go back), which
  // HistoryBuilder needs.
  std::vector<const Op*> sorted;
  for (const Op& op : ops) sorted.push_back(&op);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Op* a, const Op* b) {
    return std::make_pair(a->process, a->invoke_ns) < std::make_pair(b->process, b->invoke_ns);
  });
  std::vector<Event> out;
  for (const Op* op : sorted) {
    Event inv;
    inv.process = op->process;
    inv.type = EventType::kInvoke;
    inv.call = op->call;
    inv.time_ns = op->invoke_ns;
    out.push_back(std::move(inv));
    if (op->outcome == Outcome::kInfo && op->invoke_line > 0 && op->end_line == 0) continue;
    Event end;
    end.process = op->process;
    end.type = op->outcome == Outcome::kOk ? EventType::kOk : EventType::kInfo;
    end.call = op->call;
    end.reply = op->reply;
    end.error = op->error;
    end.time_ns = op->end_ns;
    out.push_back(std::move(end));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.time_ns < b.time_ns; });
  return out;
}

}  // namespace strata::check
