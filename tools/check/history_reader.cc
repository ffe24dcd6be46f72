#include "tools/check/history_reader.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tools/check/event_json.h"

namespace strata::check {

Result<History> ReadHistory(std::istream& in) {
  HistoryBuilder builder;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Result<Event> e = DecodeEvent(line);
    if (!e.ok()) {
      return Status::InvalidArgument("line " + std::to_string(number) + ": " +
                                     e.status().message());
    }
    STRATA_RETURN_IF_ERROR(builder.Add(*e, number));
  }
  if (in.bad()) return Status::IOError("read failed after line " + std::to_string(number));
  return builder.Finish();
}

Result<History> ReadHistoryFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  Result<History> h = ReadHistory(in);
  if (!h.ok()) return Status(h.status().code(), path + ": " + h.status().message());
  return h;
}

}  // namespace strata::check
