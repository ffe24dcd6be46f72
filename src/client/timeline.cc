#include "strata/timeline.h"

#include <algorithm>
#include <set>

#include "client/convert.h"
#include "client/core.h"
#include "client/kv_ops.h"
#include "client/paging.h"
#include "client/text.h"
#include "client/timeline_layout.h"

namespace strata::client {
namespace {

using internal::Core;
using internal::Deadline;

constexpr int64_t kPageSize = 1000;

Error Corrupt(const std::string& what, const std::string& key) {
  return Error(ErrorCode::kInternal,
               what + ": malformed timeline record " + internal::QuoteKey(key));
}

}  // namespace

Timelines::Timelines(std::shared_ptr<Core> core) : core_(std::move(core)) {}

Result<WriteResult> Timelines::create_timeline(std::string_view key, const WriteOptions& options) {
  const std::string what = "create_timeline " + internal::QuoteKey(key);
  const std::string stats_key = internal::StatsKey(key);
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = internal::VersionIs(stats_key, 0);
  *txn.add_success() = internal::PutOp(stats_key, internal::EncodeStats({}));
  auto r = core_->Txn(txn, what, core_->DeadlineAfter(options.timeout),
                      options.retry_if_outcome_unknown);
  if (!r.ok()) return r.error();
  if (!r->succeeded()) return Error(ErrorCode::kAlreadyExists, what + ": the timeline exists");
  return WriteResult{r->header().revision()};
}

Result<WriteResult> Timelines::append(std::string_view key, const Message& message,
                                      const WriteOptions& options) {
  const std::string what =
      "append of message " + internal::QuoteKey(message.id) + " to " + internal::QuoteKey(key);
  if (message.id.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty message id");
  const Deadline deadline = core_->DeadlineAfter(options.timeout);
  const std::string stats_key = internal::StatsKey(key);
  const std::string id_key = internal::IdKey(key, message.id);
  const std::string message_key = internal::MessageKey(key, message.timestamp, message.id);

  auto first = core_->Range(internal::MakeRange(stats_key, "", 0, {}), what, deadline);
  if (!first.ok()) return first.error();
  if (first->kvs().empty()) return Error(ErrorCode::kNotFound, what + ": no such timeline");
  mvccpb::KeyValue stats_kv = first->kvs(0);
  // Set once an attempt may have been applied: a later attempt that finds
  // this very message stored is then that attempt's success.
  bool uncertain = false;
  for (int attempt = 1;; ++attempt) {
    auto stats = internal::DecodeStats(stats_kv.value());
    if (!stats) return Corrupt(what, stats_key);
    etcdserverpb::TxnRequest txn;
    *txn.add_compare() = internal::ModRevisionIs(stats_key, stats_kv.mod_revision());
    *txn.add_compare() = internal::VersionIs(id_key, 0);
    *txn.add_success() = internal::PutOp(message_key, message.payload);
    *txn.add_success() = internal::PutOp(id_key, internal::EncodeTime(message.timestamp));
    *txn.add_success() =
        internal::PutOp(stats_key, internal::EncodeStats(internal::AddMessage(*stats, message)));
    for (const std::string* k : {&stats_key, &id_key, &message_key}) {
      *txn.add_failure() = internal::RangeOp(*k);
    }
    auto r = core_->Txn(txn, what, deadline, /*retry_unknown=*/false);
    if (!r.ok()) {
      if (!r.error().maybe_applied() || !core_->Backoff(1, deadline)) return r.error();
      uncertain = true;
      continue;
    }
    if (r->succeeded()) return WriteResult{r->header().revision()};
    const auto& now_stats = r->responses(0).response_range().kvs();
    const auto& now_id = r->responses(1).response_range().kvs();
    const auto& now_message = r->responses(2).response_range().kvs();
    if (uncertain && !now_id.empty() && !now_message.empty() &&
        now_message[0].value() == message.payload) {
      return WriteResult{now_message[0].mod_revision()};
    }
    if (!now_id.empty()) {
      return Error(ErrorCode::kAlreadyExists,
                   what + ": the id is taken by the message at timestamp " +
                       std::to_string(internal::DecodeTime(now_id[0].value())));
    }
    if (now_stats.empty()) return Error(ErrorCode::kNotFound, what + ": no such timeline");
    // Another append won the race for the statistics: go again from its
    // result at once. Only a loser that keeps losing pauses, and briefly: a
    // long back-off would let fresh appends win every round and starve it.
    stats_kv = now_stats[0];
    if (attempt > 4 && !core_->Backoff(std::min(attempt - 4, 2), deadline)) {
      return Error(ErrorCode::kDeadlineExceeded,
                   what + ": deadline exceeded while competing with concurrent appends");
    }
  }
}

Result<std::vector<Message>> Timelines::query(std::string_view key, int64_t from_time,
                                              int64_t to_time, int64_t limit, Order order,
                                              const ReadOptions& options) {
  const std::string what = "query of timeline " + internal::QuoteKey(key);
  if (limit < 0) return Error(ErrorCode::kInvalidArgument, what + ": negative limit");
  const size_t base_size = internal::TimelineBase(key).size();
  internal::MessageRange range = internal::MessagesBetween(key, from_time, to_time);
  if (from_time >= to_time && to_time != kEndOfTime) range.end = range.start;
  const bool descending = order == Order::kDescending;
  auto page_request = [&](int64_t want, const ReadOptions& at) {
    etcdserverpb::RangeRequest r = internal::MakeRange(range.start, range.end, want, at);
    if (descending) {
      r.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
      r.set_sort_target(etcdserverpb::RangeRequest::KEY);
    }
    return r;
  };
  auto want = [&](size_t have) {
    return limit == 0 ? kPageSize
                      : std::min<int64_t>(kPageSize, limit - static_cast<int64_t>(have));
  };
  // The first page and the timeline's existence in one snapshot.
  etcdserverpb::TxnRequest txn;
  *txn.add_success() = internal::RangeOp(internal::StatsKey(key));
  txn.mutable_success(0)->mutable_request_range()->set_keys_only(true);
  txn.mutable_success(0)->mutable_request_range()->set_serializable(options.consistency ==
                                                                    Consistency::kSerializable);
  txn.mutable_success(0)->mutable_request_range()->set_revision(options.revision);
  if (range.start < range.end)
    *txn.add_success()->mutable_request_range() = page_request(want(0), options);
  auto first = core_->Txn(txn, what, core_->DeadlineAfter(options.timeout), false);
  if (!first.ok()) return first.error();
  if (first->responses(0).response_range().kvs().empty()) {
    return Error(ErrorCode::kNotFound, what + ": no such timeline");
  }
  std::vector<Message> out;
  if (first->responses_size() < 2) return out;
  ReadOptions at = options;
  at.revision = options.revision != 0 ? options.revision : first->header().revision();
  etcdserverpb::RangeResponse page = first->responses(1).response_range();
  for (;;) {
    for (const auto& kv : page.kvs()) {
      auto m = internal::DecodeMessage(base_size, kv.key(), kv.value());
      if (!m) return Corrupt(what, kv.key());
      out.push_back(std::move(*m));
    }
    if (!page.more() || page.kvs().empty() ||
        (limit > 0 && static_cast<int64_t>(out.size()) >= limit)) {
      return out;
    }
    // The next page starts right after (or, descending, ends right before)
    // the last key of this one.
    const std::string& last = page.kvs(page.kvs_size() - 1).key();
    if (descending) {
      range.end = last;
    } else {
      range.start = internal::KeyAfter(last);
    }
    auto next = core_->Range(page_request(want(out.size()), at), what,
                             core_->DeadlineAfter(options.timeout));
    if (!next.ok()) return next.error();
    page = std::move(next).value();
  }
}

Result<std::vector<TimelineMessage>> Timelines::query_many(const std::vector<std::string>& keys,
                                                           int64_t from_time, int64_t to_time,
                                                           int64_t limit,
                                                           const ReadOptions& options) {
  const std::string what = "query_many of " + std::to_string(keys.size()) + " timelines";
  if (limit < 0) return Error(ErrorCode::kInvalidArgument, what + ": negative limit");
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const std::string& k : keys) {
    if (seen.insert(k).second) unique.push_back(k);
  }
  std::vector<TimelineMessage> out;
  if (from_time >= to_time && to_time != kEndOfTime) return out;
  const Deadline deadline = core_->DeadlineAfter(options.timeout);
  const size_t chunk = static_cast<size_t>(core_->options().max_txn_ops);
  ReadOptions at = options;
  for (size_t begin = 0; begin < unique.size(); begin += chunk) {
    const size_t end = std::min(unique.size(), begin + chunk);
    etcdserverpb::TxnRequest txn;
    for (size_t i = begin; i < end; ++i) {
      internal::MessageRange range = internal::MessagesBetween(unique[i], from_time, to_time);
      // Each timeline's first `limit` messages hold the merged first `limit`.
      *txn.add_success()->mutable_request_range() =
          internal::MakeRange(range.start, range.end, limit, at);
    }
    auto r = core_->Txn(txn, what, deadline, false);
    if (!r.ok()) return r.error();
    if (at.revision == 0) at.revision = r->header().revision();  // One snapshot for all chunks.
    for (size_t i = begin; i < end; ++i) {
      const size_t base_size = internal::TimelineBase(unique[i]).size();
      for (const auto& kv : r->responses(static_cast<int>(i - begin)).response_range().kvs()) {
        auto m = internal::DecodeMessage(base_size, kv.key(), kv.value());
        if (!m) return Corrupt(what, kv.key());
        out.push_back(TimelineMessage{unique[i], std::move(*m)});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const TimelineMessage& a, const TimelineMessage& b) {
    return std::tie(a.message.timestamp, a.message.id, a.timeline) <
           std::tie(b.message.timestamp, b.message.id, b.timeline);
  });
  if (limit > 0 && out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
  return out;
}

Result<TimelineStats> Timelines::timeline_stats(std::string_view key, const ReadOptions& options) {
  const std::string what = "timeline_stats " + internal::QuoteKey(key);
  const std::string stats_key = internal::StatsKey(key);
  auto r = core_->Range(internal::MakeRange(stats_key, "", 0, options), what,
                        core_->DeadlineAfter(options.timeout));
  if (!r.ok()) return r.error();
  if (r->kvs().empty()) return Error(ErrorCode::kNotFound, what + ": no such timeline");
  auto stats = internal::DecodeStats(r->kvs(0).value());
  if (!stats) return Corrupt(what, stats_key);
  return *stats;
}

}  // namespace strata::client
