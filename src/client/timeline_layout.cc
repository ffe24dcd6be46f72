#include "client/timeline_layout.h"

#include <algorithm>

#include "strata/multi_level_key.h"

namespace strata::client::internal {
namespace {

constexpr char kStatsTag = 's';
constexpr char kMessageTag = 'm';
constexpr char kPastMessageTag = 'n';
constexpr char kIdTag = 'i';
constexpr uint64_t kSignBit = uint64_t{1} << 63;

void PutBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t GetBigEndian(std::string_view eight) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(eight[i]);
  return v;
}

}  // namespace

std::string TimelineBase(std::string_view timeline) {
  return std::string(kTimelinePrefix) + EncodeMultiLevelKey({std::string(timeline), ""});
}

std::string StatsKey(std::string_view timeline) { return TimelineBase(timeline) + kStatsTag; }

std::string MessageKey(std::string_view timeline, int64_t timestamp, std::string_view id) {
  std::string k = TimelineBase(timeline) + kMessageTag + EncodeTime(timestamp);
  k += id;
  return k;
}

std::string IdKey(std::string_view timeline, std::string_view id) {
  std::string k = TimelineBase(timeline) + kIdTag;
  k += id;
  return k;
}

MessageRange MessagesBetween(std::string_view timeline, int64_t from_time, int64_t to_time) {
  const std::string base = TimelineBase(timeline);
  MessageRange r;
  r.start = base + kMessageTag + EncodeTime(from_time);
  r.end = to_time == kEndOfTime ? base + kPastMessageTag : base + kMessageTag + EncodeTime(to_time);
  return r;
}

std::string EncodeTime(int64_t t) {
  std::string out;
  PutBigEndian(static_cast<uint64_t>(t) ^ kSignBit, &out);
  return out;
}

int64_t DecodeTime(std::string_view eight_bytes) {
  return static_cast<int64_t>(GetBigEndian(eight_bytes) ^ kSignBit);
}

std::optional<Message> DecodeMessage(size_t base_size, std::string_view key,
                                     std::string_view value) {
  if (key.size() < base_size + 1 + 8 || key[base_size] != kMessageTag) return std::nullopt;
  Message m;
  m.timestamp = DecodeTime(key.substr(base_size + 1, 8));
  m.id = std::string(key.substr(base_size + 9));
  m.payload = std::string(value);
  return m;
}

std::string EncodeStats(const TimelineStats& s) {
  std::string out;
  for (int64_t v : {s.count, s.bytes, s.first_timestamp, s.last_timestamp}) {
    PutBigEndian(static_cast<uint64_t>(v), &out);
  }
  return out;
}

std::optional<TimelineStats> DecodeStats(std::string_view value) {
  if (value.size() != 32) return std::nullopt;
  auto at = [&](int i) { return static_cast<int64_t>(GetBigEndian(value.substr(8 * i, 8))); };
  return TimelineStats{at(0), at(1), at(2), at(3)};
}

TimelineStats AddMessage(TimelineStats s, const Message& m) {
  if (s.count == 0) {
    s.first_timestamp = s.last_timestamp = m.timestamp;
  } else {
    s.first_timestamp = std::min(s.first_timestamp, m.timestamp);
    s.last_timestamp = std::max(s.last_timestamp, m.timestamp);
  }
  ++s.count;
  s.bytes += static_cast<int64_t>(m.payload.size());
  return s;
}

}  // namespace strata::client::internal
