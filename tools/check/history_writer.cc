#include "tools/check/history_writer.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "tools/check/event_json.h"

namespace strata::check {

namespace {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HistoryWriter::HistoryWriter(std::ostream* out, Clock clock)
    : out_(out), clock_(clock ? std::move(clock) : Clock(SteadyNowNs)) {}

Result<std::unique_ptr<HistoryWriter>> HistoryWriter::Create(const std::string& path, Clock clock) {
  auto file = std::make_unique<std::ofstream>(path, std::ios::out | std::ios::trunc);
  if (!*file) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  auto w = std::make_unique<HistoryWriter>(file.get(), std::move(clock));
  w->owned_ = std::move(file);
  return w;
}

Status HistoryWriter::Invoke(int64_t process, const Call& call) {
  return Stamp(process, EventType::kInvoke, call, Reply(), {});
}

Status HistoryWriter::Ok(int64_t process, const Call& call, const Reply& reply) {
  return Stamp(process, EventType::kOk, call, reply, {});
}

Status HistoryWriter::Fail(int64_t process, const Call& call, std::string_view error) {
  return Stamp(process, EventType::kFail, call, Reply(), error);
}

Status HistoryWriter::Info(int64_t process, const Call& call, std::string_view error) {
  return Stamp(process, EventType::kInfo, call, Reply(), error);
}

Status HistoryWriter::Stamp(int64_t process, EventType type, const Call& call, const Reply& reply,
                            std::string_view error) {
  Event e;
  e.time_ns = clock_();
  e.process = process;
  e.type = type;
  e.call = call;
  e.reply = reply;
  e.error = std::string(error);
  return Write(e);
}

Status HistoryWriter::Write(const Event& e) {
  Result<std::string> line = EncodeEvent(e);
  if (!line.ok()) return line.status();
  std::lock_guard<std::mutex> lock(mu_);
  *out_ << *line << '\n';
  out_->flush();
  if (!*out_) return Status::IOError("history write failed");
  return Status::Ok();
}

}  // namespace strata::check
