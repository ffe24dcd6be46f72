#include "node/transport_grpc.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <utility>

#include "base/thread_name.h"
#include "node/raft_codec.h"
#include "node/transport_crc32c.h"
#include "node/transport_service.h"
#include "strata/raft.grpc.pb.h"

namespace strata::node {

using Stub = raftpb::RaftTransport::Stub;
using Unreachable = std::vector<std::pair<raft::RangeId, raft::NodeId>>;

// One queued message or forwarded proposal.
struct GrpcTransport::Item {
  bool forward = false;
  raft::RangeId range;
  raft::Message message;  // When !forward.
  std::string proposal;   // When forward.
  uint64_t bytes = 0;
  Clock::time_point queued_at;
};

// The client side of one `Send` call. Holds a gRPC "hold" from construction
// until the sender thread releases it, so OnDone cannot run (and the reactor
// cannot be finished) while the sender may still start a write on it. Only
// the sender thread (or stop()) starts writes, releases the hold and deletes
// the reactor, the latter only after OnDone.
class GrpcTransport::Stream final : public grpc::ClientWriteReactor<raftpb::MessageBatch> {
 public:
  Stream(GrpcTransport* transport, Peer* peer, std::shared_ptr<Stub> stub, raft::NodeId self)
      : transport_(transport), peer_(peer), stub_(std::move(stub)) {
    ctx_.AddMetadata(kNodeIdMetadataKey, std::to_string(self.value()));
    stub_->async()->Send(&ctx_, &response_, this);
    AddHold();
    StartCall();
  }

  // Sender thread. REQUIRES: no write in flight.
  void write(std::vector<Item> items) {
    batch_.Clear();
    for (Item& item : items) {
      if (item.forward) {
        raftpb::ForwardedProposal* f = batch_.add_forwards();
        f->set_range(item.range.value());
        f->set_proposal(std::move(item.proposal));
      } else {
        EncodeMessage(std::move(item.message), batch_.add_messages(), SnapshotData::kOmit);
      }
    }
    batch_bytes_ = batch_.ByteSizeLong();
    StartWrite(&batch_);
  }
  // Cancels the call and gives up the hold. At most once.
  void release() {
    ctx_.TryCancel();
    RemoveHold();
  }
  void cancel() { ctx_.TryCancel(); }

  void OnWriteDone(bool ok) override { transport_->on_write_done(peer_, ok, batch_bytes_); }
  void OnDone(const grpc::Status& status) override {
    transport_->on_stream_done(peer_, status.error_message());
  }

 private:
  GrpcTransport* const transport_;
  Peer* const peer_;
  const std::shared_ptr<Stub> stub_;
  grpc::ClientContext ctx_;
  raftpb::SendResponse response_;
  raftpb::MessageBatch batch_;  // The write in flight.
  uint64_t batch_bytes_ = 0;
};

struct GrpcTransport::Peer {
  enum class State {
    kNone,     // No stream; one is opened once something is queued and back-off allows.
    kOpening,  // The sender thread is creating the stream outside the lock.
    kOpen,     // Usable; the hold is held.
    kClosing,  // Hold released; waiting for OnDone.
  };

  Peer(raft::NodeId peer_id, std::string addr, Backoff bo)
      : id(peer_id), address(std::move(addr)), backoff(bo) {}

  const raft::NodeId id;
  std::string address;
  std::shared_ptr<Stub> stub;

  std::deque<Item> queue;
  uint64_t queue_bytes = 0;

  State state = State::kNone;
  std::unique_ptr<Stream> stream;
  bool confirmed = false;  // A write on the current stream succeeded.
  bool write_in_flight = false;
  bool write_failed = false;  // OnWriteDone(false) on the current stream.
  bool stream_done = false;   // OnDone ran; the sender may delete the stream.
  bool reopen = false;        // Address changed: close and reconnect now.
  bool retired = false;       // Removed: close, then forget.
  bool ever_opened = false;
  bool closed_by_failure = false;  // The stream in kClosing failed (was not closed on purpose).
  bool reported_down = false;      // Logged as unreachable; log again once connected.
  Clock::time_point write_started;
  uint64_t inflight_messages = 0;
  uint64_t inflight_forwards = 0;
  std::set<raft::RangeId> carried;  // Ranges of messages written on this stream.
  Backoff backoff;
  Clock::time_point next_connect;

  PeerSendMetrics m;
};

struct GrpcTransport::SnapshotJob {
  raft::Message message;
  std::shared_ptr<Stub> stub;
  grpc::ClientContext ctx;
  std::thread thread;
  bool done = false;  // Guarded by the transport's mu_.
};

struct GrpcTransport::Actions {
  struct Open {
    Peer* peer;
    std::shared_ptr<Stub> stub;
  };
  struct Write {
    Stream* stream;
    std::vector<Item> items;
  };
  std::vector<Open> open;
  std::vector<Write> writes;
  std::vector<Stream*> cancel;
  std::vector<Stream*> release;
  std::vector<std::unique_ptr<Stream>> destroy;
  std::vector<std::unique_ptr<SnapshotJob>> join;
  Unreachable unreachable;
  std::vector<std::pair<spdlog::level::level_enum, std::string>> logs;

  bool empty() const {
    return open.empty() && writes.empty() && cancel.empty() && release.empty() && destroy.empty() &&
           join.empty() && unreachable.empty() && logs.empty();
  }
};

GrpcTransport::GrpcTransport(GrpcTransportOptions options)
    : options_(std::move(options)),
      seed_counter_(options_.seed != 0 ? options_.seed : std::random_device()()) {
  STRATA_ASSERT_MSG(!options_.id.none(), "transport needs this node's id");
  STRATA_ASSERT(options_.backoff_initial.count() > 0 &&
                options_.backoff_initial <= options_.backoff_max);
  for (const auto& [id, address] : options_.peers) {
    Status s = add_peer(id, address);
    STRATA_ASSERT_MSG(s.ok(), s.ToString());
  }
}

GrpcTransport::~GrpcTransport() { stop(); }

Status GrpcTransport::start(MessageSink* sink) {
  STRATA_ASSERT(sink != nullptr);
  std::lock_guard lock(mu_);
  if (running_ || stopping_) return Status::FailedPrecondition("transport already started");
  sink_ = sink;
  running_ = true;
  sender_ = std::thread([this] {
    SetThreadName("raft-send");
    run();
  });
  return Status::Ok();
}

void GrpcTransport::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    running_ = false;
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();

  // Close every stream and wait for its OnDone; cancel snapshot transfers.
  std::vector<Stream*> release;
  std::list<std::unique_ptr<SnapshotJob>> jobs;
  std::unique_lock lock(mu_);
  // send() and forward() calls that passed their running_ check may still
  // be reporting to the sink.
  cv_.wait(lock, [&] { return reporting_ == 0; });
  std::vector<Peer*> all;
  for (auto& [id, p] : peers_) all.push_back(p.get());
  for (auto& p : retired_) all.push_back(p.get());
  for (Peer* p : all) {
    if (p->state == Peer::State::kOpen) {
      p->state = Peer::State::kClosing;
      release.push_back(p->stream.get());
    }
  }
  for (auto& job : snapshot_jobs_) job->ctx.TryCancel();
  jobs = std::move(snapshot_jobs_);
  snapshot_jobs_.clear();
  lock.unlock();
  for (Stream* s : release) s->release();
  for (auto& job : jobs) job->thread.join();
  lock.lock();
  cv_.wait(lock, [&] {
    return std::all_of(all.begin(), all.end(),
                       [](Peer* p) { return p->state != Peer::State::kClosing || p->stream_done; });
  });
  std::vector<std::unique_ptr<Stream>> streams;
  for (Peer* p : all) {
    if (p->stream) streams.push_back(std::move(p->stream));
    p->state = Peer::State::kNone;
    p->queue.clear();
    p->queue_bytes = 0;
  }
  lock.unlock();
  streams.clear();
}

std::unique_ptr<GrpcTransport::Peer> GrpcTransport::make_peer(raft::NodeId id,
                                                              std::string address) {
  auto peer = std::make_unique<Peer>(
      id, std::move(address),
      Backoff(options_.backoff_initial, options_.backoff_max, seed_counter_++));
  grpc::ChannelArguments args;
  // gRPC's own reconnection follows the transport's back-off, not its
  // defaults (1 s growing to 120 s), so a restarted peer is found quickly.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(options_.backoff_initial.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoff_max.count()));
  // The connect deadline (gRPC's default is 20 s).
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  // Each transport owns its connections (tests run several in one process).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto credentials =
      options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials();
  auto channel = grpc::CreateCustomChannel(peer->address, credentials, args);
  peer->stub = std::shared_ptr<Stub>(raftpb::RaftTransport::NewStub(channel));
  peer->m.address = peer->address;
  return peer;
}

GrpcTransport::Peer* GrpcTransport::find_peer(raft::NodeId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

Status GrpcTransport::add_peer(raft::NodeId id, std::string address) {
  if (id.none() || id == options_.id) {
    return Status::InvalidArgument("invalid peer id " + raft::ToString(id));
  }
  if (address.empty())
    return Status::InvalidArgument("empty address for peer " + raft::ToString(id));
  std::lock_guard lock(mu_);
  if (peers_.contains(id)) return Status::AlreadyExists("peer " + raft::ToString(id) + " exists");
  peers_[id] = make_peer(id, std::move(address));
  return Status::Ok();
}

Status GrpcTransport::update_peer(raft::NodeId id, std::string address) {
  if (address.empty())
    return Status::InvalidArgument("empty address for peer " + raft::ToString(id));
  {
    std::lock_guard lock(mu_);
    Peer* p = find_peer(id);
    if (p == nullptr) return Status::NotFound("no peer " + raft::ToString(id));
    if (p->address == address) return Status::Ok();
    // A fresh channel; the old one lives on in the old stream until it closes.
    auto fresh = make_peer(id, std::move(address));
    p->address = fresh->address;
    p->stub = fresh->stub;
    p->m.address = p->address;
    if (p->state == Peer::State::kOpen || p->state == Peer::State::kOpening) {
      p->reopen = true;  // That stream talks to the old address.
    } else {
      p->backoff.reset();  // Try the new address at once.
      p->next_connect = Clock::now();
    }
    work_pending_ = true;
  }
  cv_.notify_all();
  return Status::Ok();
}

Status GrpcTransport::remove_peer(raft::NodeId id) {
  {
    std::lock_guard lock(mu_);
    auto it = peers_.find(id);
    if (it == peers_.end()) return Status::NotFound("no peer " + raft::ToString(id));
    std::unique_ptr<Peer> p = std::move(it->second);
    peers_.erase(it);
    p->retired = true;
    p->queue.clear();
    p->queue_bytes = 0;
    for (auto& job : snapshot_jobs_) {
      if (job->message.to == id) job->ctx.TryCancel();
    }
    retired_.push_back(std::move(p));
    work_pending_ = true;
  }
  cv_.notify_all();
  return Status::Ok();
}

void GrpcTransport::send(std::vector<raft::Message> messages) {
  Unreachable unreachable;
  std::vector<raft::Message> refused;
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    Clock::time_point now = Clock::now();
    for (raft::Message& m : messages) {
      if (m.type == raft::MessageType::kSnapshot) {
        start_snapshot(std::move(m), &refused);
        continue;
      }
      Peer* p = find_peer(m.to);
      if (p == nullptr) {
        ++dropped_unknown_peer_;
        unreachable.emplace_back(m.range, m.to);
        continue;
      }
      uint64_t bytes = m.size_bytes();
      if (bytes > options_.message_bytes_max || p->queue.size() >= options_.queue_messages_max ||
          p->queue_bytes + bytes > options_.queue_bytes_max) {
        ++p->m.messages_dropped;
        unreachable.emplace_back(m.range, m.to);
        continue;
      }
      Item item;
      item.range = m.range;
      item.message = std::move(m);
      item.bytes = bytes;
      item.queued_at = now;
      p->queue.push_back(std::move(item));
      p->queue_bytes += bytes;
    }
    work_pending_ = true;
    if (!unreachable.empty() || !refused.empty()) ++reporting_;
  }
  cv_.notify_all();
  if (unreachable.empty() && refused.empty()) return;
  for (const raft::Message& m : refused) {
    // Opening the image and dropping the reader releases it at once.
    (void)sink_->open_snapshot(m);
    sink_->report_snapshot(m.range, m.to, false);
  }
  report_unreachable(unreachable);
  {
    std::lock_guard lock(mu_);
    --reporting_;
  }
  cv_.notify_all();
}

void GrpcTransport::forward(raft::NodeId leader, raft::RangeId range, std::string proposal) {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    Peer* p = find_peer(leader);
    if (p == nullptr) {
      ++dropped_unknown_peer_;
      return;
    }
    uint64_t bytes = proposal.size() + 16;
    if (bytes > options_.message_bytes_max || p->queue.size() >= options_.queue_messages_max ||
        p->queue_bytes + bytes > options_.queue_bytes_max) {
      ++p->m.forwards_dropped;
      return;
    }
    Item item;
    item.forward = true;
    item.range = range;
    item.proposal = std::move(proposal);
    item.bytes = bytes;
    item.queued_at = Clock::now();
    p->queue.push_back(std::move(item));
    p->queue_bytes += bytes;
    work_pending_ = true;
  }
  cv_.notify_all();
}

void GrpcTransport::report_unreachable(const Unreachable& list) {
  Unreachable unique = list;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (const auto& [range, to] : unique) sink_->report_unreachable(range, to);
}

void GrpcTransport::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    work_pending_ = false;
    Actions actions;
    Clock::time_point now = Clock::now();
    Clock::time_point wake = now + std::chrono::seconds(1);
    for (auto& [id, p] : peers_) plan(p.get(), now, &actions, &wake);
    for (auto& p : retired_) plan(p.get(), now, &actions, &wake);
    retired_.remove_if([](const std::unique_ptr<Peer>& p) {
      return p->state == Peer::State::kNone && p->stream == nullptr;
    });
    for (auto it = snapshot_jobs_.begin(); it != snapshot_jobs_.end();) {
      if ((*it)->done) {
        actions.join.push_back(std::move(*it));
        it = snapshot_jobs_.erase(it);
      } else {
        ++it;
      }
    }
    if (!actions.empty()) {
      lock.unlock();
      execute(&actions);
      lock.lock();
      continue;  // Plan again: opening a stream is followed by a write.
    }
    cv_.wait_until(lock, wake, [&] { return stopping_ || work_pending_; });
  }
}

void GrpcTransport::plan(Peer* p, Clock::time_point now, Actions* actions,
                         Clock::time_point* wake) {
  using State = Peer::State;
  if (p->state == State::kClosing && p->stream_done) {
    actions->destroy.push_back(std::move(p->stream));
    p->state = State::kNone;
    // One line per outage, not one per reconnect attempt.
    if (p->closed_by_failure && !p->reported_down && !p->retired) {
      p->reported_down = true;
      actions->logs.emplace_back(spdlog::level::warn,
                                 "raft transport: peer " + raft::ToString(p->id) + " at " +
                                     p->address + " unreachable (" + p->m.last_error +
                                     "); retrying with back-off");
    }
  }
  if (p->state == State::kOpen && p->confirmed && p->reported_down) {
    p->reported_down = false;
    actions->logs.emplace_back(
        spdlog::level::info,
        "raft transport: connected to peer " + raft::ToString(p->id) + " at " + p->address);
  }
  if (p->state == State::kOpen) {
    bool stalled = p->write_in_flight && !p->write_failed &&
                   now - p->write_started >= options_.write_stall_timeout;
    bool closing = p->retired || p->reopen;
    if (p->write_failed || stalled || closing) {
      // The stream is lost: whatever it carried may be lost too.
      if (!closing) {
        ++p->m.stream_failures;
        for (raft::RangeId r : p->carried) actions->unreachable.emplace_back(r, p->id);
        p->next_connect = now + p->backoff.next();
      } else {
        p->backoff.reset();
        p->next_connect = now;
      }
      if (p->write_in_flight || p->write_failed) {
        p->m.messages_dropped += p->inflight_messages;
        p->m.forwards_dropped += p->inflight_forwards;
        p->inflight_messages = 0;
        p->inflight_forwards = 0;
      }
      p->carried.clear();
      p->confirmed = false;
      p->reopen = false;
      p->closed_by_failure = !closing;
      p->state = State::kClosing;
      actions->release.push_back(p->stream.get());
    } else if (p->write_in_flight) {
      *wake = std::min(*wake, p->write_started + options_.write_stall_timeout);
    }
  }
  if (p->retired) return;
  if (p->state == State::kNone && !p->queue.empty()) {
    if (now >= p->next_connect) {
      p->state = State::kOpening;
      p->write_in_flight = false;
      p->write_failed = false;
      p->stream_done = false;
      if (p->ever_opened) ++p->m.reconnects;
      p->ever_opened = true;
      actions->open.push_back({p, p->stub});
    } else {
      *wake = std::min(*wake, p->next_connect);
    }
  }
  bool working = p->state == State::kOpen && p->confirmed;
  if (!working) {
    // Nobody is taking this peer's messages: drop what waited too long.
    while (!p->queue.empty() &&
           now - p->queue.front().queued_at >= options_.disconnected_drop_after) {
      Item& item = p->queue.front();
      if (item.forward) {
        ++p->m.forwards_dropped;
      } else {
        ++p->m.messages_dropped;
        actions->unreachable.emplace_back(item.range, p->id);
      }
      p->queue_bytes -= item.bytes;
      p->queue.pop_front();
    }
    if (!p->queue.empty()) {
      *wake = std::min(*wake, p->queue.front().queued_at + options_.disconnected_drop_after);
    }
  }
  if (p->state == State::kOpen && !p->write_in_flight && !p->write_failed && !p->queue.empty()) {
    Actions::Write w{p->stream.get(), {}};
    uint64_t bytes = 0;
    while (!p->queue.empty() &&
           (w.items.empty() || bytes + p->queue.front().bytes <= options_.batch_bytes_max)) {
      Item& item = p->queue.front();
      bytes += item.bytes;
      p->queue_bytes -= item.bytes;
      if (item.forward) {
        ++p->inflight_forwards;
      } else {
        ++p->inflight_messages;
        p->carried.insert(item.range);
      }
      w.items.push_back(std::move(item));
      p->queue.pop_front();
    }
    p->write_in_flight = true;
    p->write_started = now;
    actions->writes.push_back(std::move(w));
  }
}

void GrpcTransport::execute(Actions* actions) {
  // Nothing here holds mu_: gRPC may run callbacks (which take mu_) inline.
  for (const Actions::Open& o : actions->open) {
    auto stream = std::make_unique<Stream>(this, o.peer, o.stub, options_.id);
    std::lock_guard lock(mu_);
    o.peer->stream = std::move(stream);
    o.peer->state = Peer::State::kOpen;
  }
  for (Actions::Write& w : actions->writes) w.stream->write(std::move(w.items));
  for (Stream* s : actions->cancel) s->cancel();
  for (Stream* s : actions->release) s->release();
  actions->destroy.clear();
  for (auto& job : actions->join) job->thread.join();
  actions->join.clear();
  if (!actions->unreachable.empty()) report_unreachable(actions->unreachable);
  for (const auto& [level, line] : actions->logs) spdlog::log(level, line);
}

void GrpcTransport::on_write_done(Peer* p, bool ok, uint64_t bytes) {
  {
    std::lock_guard lock(mu_);
    p->write_in_flight = false;
    if (ok) {
      p->m.messages_sent += p->inflight_messages;
      p->m.forwards_sent += p->inflight_forwards;
      p->m.bytes_sent += bytes;
      ++p->m.batches_sent;
      p->inflight_messages = 0;
      p->inflight_forwards = 0;
      if (p->state == Peer::State::kOpen) {
        p->confirmed = true;
        p->backoff.reset();
      }
    } else {
      p->write_failed = true;
    }
    work_pending_ = true;
  }
  cv_.notify_all();
}

void GrpcTransport::on_stream_done(Peer* p, std::string error) {
  std::lock_guard lock(mu_);
  if (!error.empty()) p->m.last_error = std::move(error);
  p->stream_done = true;
  work_pending_ = true;
  // Notified under the lock: once it is released the sender may delete the
  // stream whose OnDone is still returning, and must not find `this` used.
  cv_.notify_all();
}

void GrpcTransport::start_snapshot(raft::Message m, std::vector<raft::Message>* refused) {
  Peer* p = find_peer(m.to);
  if (p == nullptr) ++dropped_unknown_peer_;
  int active = 0;
  for (const auto& job : snapshot_jobs_) active += job->done ? 0 : 1;
  if (p == nullptr || m.snapshot == nullptr || active >= options_.snapshot_sends_max) {
    if (p != nullptr) ++p->m.snapshots_failed;
    refused->push_back(std::move(m));
    return;
  }
  auto job = std::make_unique<SnapshotJob>();
  job->message = std::move(m);
  job->stub = p->stub;
  SnapshotJob* raw = job.get();
  snapshot_jobs_.push_back(std::move(job));
  raw->thread = std::thread([this, raw] { send_snapshot(raw); });
}

void GrpcTransport::send_snapshot(SnapshotJob* job) {
  const raft::Message& m = job->message;
  const uint64_t chunk_bytes = std::max<uint64_t>(1, options_.snapshot_chunk_bytes);
  // A streamed image comes from the sink (the node's captured view), chunk
  // by chunk; an image carried whole is read from the message. Either way
  // at most two chunks are in memory here: the one written and the next.
  std::unique_ptr<SnapshotReader> reader;
  bool streamed = false;
  std::string error;
  auto opened = sink_->open_snapshot(m);
  if (!opened.ok()) {
    error = "snapshot image unavailable: " + opened.status().ToString();
  } else if (*opened != nullptr) {
    reader = std::move(*opened);
    streamed = true;
  } else {
    reader = std::make_unique<StringSnapshotReader>(m.snapshot->data);
  }

  uint64_t written = 0;
  bool accepted = false;
  if (reader != nullptr) {
    const uint64_t size_hint = reader->size_hint();
    auto timeout =
        options_.snapshot_timeout_base +
        std::chrono::milliseconds(size_hint * 1000 /
                                  std::max<uint64_t>(1, options_.snapshot_min_bytes_per_second));
    job->ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    job->ctx.AddMetadata(kNodeIdMetadataKey, std::to_string(options_.id.value()));

    raftpb::SnapshotResponse response;
    std::unique_ptr<grpc::ClientWriter<raftpb::SnapshotChunk>> writer =
        job->stub->SendSnapshot(&job->ctx, &response);
    std::string current, next;
    Result<bool> have = reader->Read(chunk_bytes, &current);
    bool write_ok = true;
    for (uint64_t i = 0; write_ok && have.ok(); ++i) {
      // Read ahead one chunk: the last chunk must say it is the last.
      Result<bool> have_next = false;
      next.clear();
      if (*have) have_next = reader->Read(chunk_bytes, &next);
      if (!have_next.ok()) {
        have = have_next;
        break;
      }
      raftpb::SnapshotChunk chunk;
      chunk.set_range(m.range.value());
      chunk.set_from(m.from.value());
      chunk.set_to(m.to.value());
      if (i == 0) {
        chunk.set_term(m.term.value());
        EncodeSnapshotMetadata(m.snapshot->metadata, chunk.mutable_metadata());
        // Known up front only for an image carried whole; 0 = unknown.
        chunk.set_total_bytes(streamed ? 0 : size_hint);
      }
      chunk.set_data(std::move(current));
      chunk.set_chunk_index(i);
      chunk.set_crc32c(TransportCrc32c(chunk.data()));
      if (static_cast<int64_t>(i) == options_.corrupt_snapshot_chunk_for_test) {
        if (chunk.data().empty()) {
          chunk.set_crc32c(chunk.crc32c() ^ 1);
        } else {
          (*chunk.mutable_data())[0] ^= 1;
        }
      }
      chunk.set_final(!*have_next);
      const uint64_t len = chunk.data().size();
      write_ok = writer->Write(chunk);
      if (write_ok) written += len;
      if (!*have_next) break;
      current = std::move(next);
      next = std::string();
    }
    if (!have.ok()) {
      // The image could not be read: the receiver must not take what it has.
      job->ctx.TryCancel();
      error = "reading the snapshot image failed: " + have.status().ToString();
    } else if (write_ok) {
      writer->WritesDone();
    }
    grpc::Status status = writer->Finish();
    accepted = have.ok() && status.ok() && response.accepted();
    if (error.empty() && !status.ok()) {
      error = "snapshot call failed: " + status.error_message();
    } else if (error.empty() && !response.accepted()) {
      error = "snapshot refused: " + response.error();
    }
  }
  // The transfer is over: release the image (and the engine data it pins).
  reader.reset();

  {
    std::lock_guard lock(mu_);
    if (Peer* p = find_peer(m.to)) {
      p->m.snapshot_bytes_sent += written;
      if (accepted) {
        ++p->m.snapshots_sent;
      } else {
        ++p->m.snapshots_failed;
        p->m.last_error = std::move(error);
      }
    }
  }
  sink_->report_snapshot(m.range, m.to, accepted);
  {
    std::lock_guard lock(mu_);
    job->done = true;
    work_pending_ = true;
  }
  cv_.notify_all();
}

void GrpcTransport::call(raft::NodeId to, std::string method, std::string payload,
                         std::chrono::milliseconds timeout,
                         std::function<void(Result<std::string>)> done) {
  std::shared_ptr<Stub> stub;
  {
    std::lock_guard lock(mu_);
    Peer* p = find_peer(to);
    if (p != nullptr && running_) stub = p->stub;
  }
  if (!stub) return done(Status::NotFound("no peer " + raft::ToString(to)));
  struct CallState {
    grpc::ClientContext ctx;
    raftpb::PeerCallRequest request;
    raftpb::PeerCallResponse response;
  };
  auto state = std::make_shared<CallState>();
  state->ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  state->ctx.AddMetadata(kNodeIdMetadataKey, std::to_string(options_.id.value()));
  state->request.set_method(std::move(method));
  state->request.set_payload(std::move(payload));
  stub->async()->Call(
      &state->ctx, &state->request, &state->response,
      [state, stub, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          return done(Status::Unavailable("peer call failed: " + status.error_message()));
        }
        const raftpb::PeerCallResponse& r = state->response;
        if (r.code() != 0) {
          // A code from a newer peer that we do not know is internal.
          auto code = r.code() <= static_cast<uint32_t>(StatusCode::kInternal)
                          ? static_cast<StatusCode>(r.code())
                          : StatusCode::kInternal;
          return done(Status(code, r.message()));
        }
        done(std::move(*state->response.mutable_payload()));
      });
}

TransportMetrics GrpcTransport::metrics() const {
  std::lock_guard lock(mu_);
  TransportMetrics out;
  out.dropped_unknown_peer = dropped_unknown_peer_;
  for (const auto& [id, p] : peers_) {
    PeerSendMetrics m = p->m;
    m.connected = p->state == Peer::State::kOpen && p->confirmed;
    m.queued_messages = p->queue.size();
    m.queued_bytes = p->queue_bytes;
    out.peers[id] = std::move(m);
  }
  return out;
}

}  // namespace strata::node
