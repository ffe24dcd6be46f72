// Where a timeline's messages and statistics live in the key space (the
// layout of docs/timelines.md), and the byte formats of the values.
//
// Every key of timeline K starts with Base(K) = "strata/timeline/" ++
// EncodeMultiLevelKey({K, ""}), so timelines never overlap and each one is a
// contiguous range. After Base(K):
//   "s"                    -> statistics (EncodeStats)
//   "m" ++ time(8) ++ id   -> payload; time is big-endian with the sign bit
//                             flipped, so byte order is (timestamp, id) order
//   "i" ++ id              -> time(8) of the message with that id
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/timeline.h"

namespace strata::client::internal {

inline constexpr std::string_view kTimelinePrefix = "strata/timeline/";

std::string TimelineBase(std::string_view timeline);
std::string StatsKey(std::string_view timeline);
std::string MessageKey(std::string_view timeline, int64_t timestamp, std::string_view id);
std::string IdKey(std::string_view timeline, std::string_view id);

// The message keys of timestamps in [from_time, to_time); to_time ==
// kEndOfTime includes kEndOfTime itself.
struct MessageRange {
  std::string start{};
  std::string end{};
};
MessageRange MessagesBetween(std::string_view timeline, int64_t from_time, int64_t to_time);

// 8 bytes whose byte order is the numeric order of t.
std::string EncodeTime(int64_t t);
int64_t DecodeTime(std::string_view eight_bytes);

// A message from its stored key and value; nullopt if the key is not a
// message key of the timeline whose Base has base_size bytes.
std::optional<Message> DecodeMessage(size_t base_size, std::string_view key,
                                     std::string_view value);

// Statistics as 4 big-endian int64: count, bytes, first, last timestamp.
std::string EncodeStats(const TimelineStats& stats);
std::optional<TimelineStats> DecodeStats(std::string_view value);
// stats after appending m.
TimelineStats AddMessage(TimelineStats stats, const Message& m);

}  // namespace strata::client::internal
