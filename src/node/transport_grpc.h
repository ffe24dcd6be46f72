// GrpcTransport: the client half of the peer transport. It carries raft
// messages and forwarded proposals to peers over gRPC (service
// strata.raftpb.RaftTransport, proto/strata/raft.proto); the server half is
// RaftTransportService (transport_service.h).
//
// Per peer there is one bounded queue and ONE long-lived client-streaming
// `Send` call. send() and forward() only queue and return. A single sender
// thread drains every peer's queue: it takes everything queued, up to
// batch_bytes_max, encodes it as one MessageBatch and starts an asynchronous
// write (gRPC callback API); a peer with a write in flight is skipped until
// that write completes, so a slow peer never holds up the others and there
// is at most one outstanding write per stream (which keeps order).
//
// Why one thread: on the 2-core machines Strata targets, the sender's work
// is encoding (about 1-2 us per message, BUILD-NOTES) and the gRPC write
// path runs on gRPC's own threads. One thread encoding batches keeps up
// with hundreds of thousands of messages per second; a pool would only add
// contention with the raft loop and the apply path for the two cores.
//
// Failures. When a stream fails (a write fails, the peer closes it, or a
// write makes no progress for write_stall_timeout), every range whose
// messages the stream carried is reported unreachable, and the peer is
// reconnected after an exponential back-off with jitter (backoff_initial
// doubling to backoff_max; reset after a successful write). While a peer
// has no working stream, queued messages older than disconnected_drop_after
// are dropped and their ranges reported unreachable: raft retransmits, and
// stale appends would only waste the bandwidth of the reconnect.
// A message that does not fit its peer's queue (queue_messages_max,
// queue_bytes_max) is dropped at once and its range reported unreachable.
// Dropped forwarded proposals are only counted: their origin times out.
//
// Snapshots. A kSnapshot message goes over its own `SendSnapshot` call, on
// its own thread (at most snapshot_sends_max at once), so that heartbeats
// keep flowing. The image is the sink's stream for the message
// (MessageSink::open_snapshot: the node reads it from a consistent engine
// view) or, when the sink has none, the message's own Snapshot::data. It is
// read and sent snapshot_chunk_bytes at a time (at most two chunks in
// memory), each chunk with the CRC-32C of its data; the first carries the
// metadata and term (and total_bytes, 0 for a streamed image of unknown
// size), the last has final set. The image is released as soon as the
// transfer ends or fails. The outcome goes to MessageSink::report_snapshot.
//
// Lifecycle: construct, start(sink), send/forward from any thread, stop().
// stop() (also run by the destructor) cancels every call, joins every
// thread and drops what is queued; after it returns the sink is never
// called again. REQUIRES: the sink outlives stop().
//
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace grpc {
class ChannelCredentials;
}
#include "node/node.h"
#include "node/transport_backoff.h"
#include "node/transport_sink.h"
#include "raft/types.h"

namespace strata::node {

struct GrpcTransportOptions {
  // This node's id. REQUIRES: non-zero.
  raft::NodeId id;
  // Peers at start: node id -> "host:port" of its peer listener. More can be
  // added with add_peer(). Default: none.
  std::map<raft::NodeId, std::string> peers;

  // Bounds on what waits for one peer. Default: 10,000 messages, 64 MiB.
  uint64_t queue_messages_max = 10000;
  uint64_t queue_bytes_max = 64 << 20;
  // One MessageBatch write carries queued messages up to this many bytes
  // (always at least one message). Default: 1 MiB.
  uint64_t batch_bytes_max = 1 << 20;
  // A single message larger than this is dropped (and its range reported
  // unreachable): the receiver's gRPC limit would reject the whole batch and
  // kill the stream. Keep it below the peer server's max receive message
  // size (gRPC's default: 4 MiB). Default: 4 MiB - 64 KiB.
  uint64_t message_bytes_max = (4 << 20) - (64 << 10);

  // Reconnect back-off. Default: 50 ms doubling to 2 s.
  std::chrono::milliseconds backoff_initial{50};
  std::chrono::milliseconds backoff_max{2000};
  // While a peer has no working stream, queued messages older than this are
  // dropped. Default: 1 s (ten heartbeats at the default tick).
  std::chrono::milliseconds disconnected_drop_after{1000};
  // A write in flight for longer than this cancels the stream (a peer that
  // vanished without closing its connection). Default: 10 s.
  std::chrono::milliseconds write_stall_timeout{10000};

  // Snapshot transfer. Default: 1 MiB chunks, 2 transfers at once; the call
  // deadline is snapshot_timeout_base plus one second per
  // snapshot_min_bytes_per_second of image, as estimated by the image's
  // SnapshotReader::size_hint (default: 30 s + 1 s per MiB).
  uint64_t snapshot_chunk_bytes = 1 << 20;
  int snapshot_sends_max = 2;
  std::chrono::milliseconds snapshot_timeout_base{30000};
  uint64_t snapshot_min_bytes_per_second = 1 << 20;

  // Credentials for the connections to peers (TLS). Default: null, plain TCP.
  std::shared_ptr<grpc::ChannelCredentials> credentials;

  // Seeds the back-off jitter. Default: 0 (seed from std::random_device).
  uint64_t seed = 0;
  // Test hook: flips one byte of the chunk with this index after computing
  // its CRC. Default: -1 (never).
  int64_t corrupt_snapshot_chunk_for_test = -1;
};

// Counters of one peer, as of the metrics() call.
struct PeerSendMetrics {
  std::string address;
  bool connected = false;        // A stream is open and a write on it has succeeded.
  uint64_t queued_messages = 0;  // Gauges.
  uint64_t queued_bytes = 0;
  uint64_t messages_sent = 0;  // Raft messages in batches whose write succeeded.
  uint64_t forwards_sent = 0;  // Forwarded proposals likewise.
  uint64_t batches_sent = 0;
  uint64_t bytes_sent = 0;        // Encoded MessageBatch bytes.
  uint64_t messages_dropped = 0;  // Queue full, too old, too big, or lost with a stream.
  uint64_t forwards_dropped = 0;
  uint64_t stream_failures = 0;
  uint64_t reconnects = 0;      // Streams opened after a failure.
  uint64_t snapshots_sent = 0;  // Accepted by the peer.
  uint64_t snapshots_failed = 0;
  uint64_t snapshot_bytes_sent = 0;  // Image bytes written (including failed transfers).
  std::string last_error;            // Why the last stream or snapshot transfer failed.
};

struct TransportMetrics {
  std::map<raft::NodeId, PeerSendMetrics> peers;
  // Messages (and proposals) for node ids with no known address.
  uint64_t dropped_unknown_peer = 0;
};

class GrpcTransport final : public Transport {
 public:
  explicit GrpcTransport(GrpcTransportOptions options);
  ~GrpcTransport() override;
  GrpcTransport(const GrpcTransport&) = delete;
  GrpcTransport& operator=(const GrpcTransport&) = delete;

  // Starts the sender thread. Until then, and after stop(), send() and
  // forward() drop everything without reports. REQUIRES: sink outlives stop().
  // Errors: kFailedPrecondition if started before.
  Status start(MessageSink* sink);
  // Idempotent. See the lifecycle notes above.
  void stop();

  // Membership. Errors: kInvalidArgument for id 0 (or this node's id) or an
  // empty address, kAlreadyExists / kNotFound.
  Status add_peer(raft::NodeId id, std::string address);
  // Points an existing peer at a new address; its stream is re-opened there.
  Status update_peer(raft::NodeId id, std::string address);
  // Forgets a peer: its queue is dropped and its calls are cancelled.
  Status remove_peer(raft::NodeId id);

  // Transport. Never blocks on the network.
  void send(std::vector<raft::Message> messages) override;
  void forward(raft::NodeId leader, raft::RangeId range, std::string proposal) override;

  // Asks peer `to` to run `method` on payload (its RaftTransportService
  // call handler) and gives its answer to done, on a gRPC thread. Errors:
  // kNotFound for an unknown peer; kUnavailable when the peer cannot be
  // reached within timeout; the handler's own errors.
  void call(raft::NodeId to, std::string method, std::string payload,
            std::chrono::milliseconds timeout, std::function<void(Result<std::string>)> done);

  TransportMetrics metrics() const;

 private:
  using Clock = std::chrono::steady_clock;
  class Stream;
  struct Peer;
  struct Item;
  struct SnapshotJob;
  struct Actions;

  std::unique_ptr<Peer> make_peer(raft::NodeId id, std::string address);
  Peer* find_peer(raft::NodeId id);
  // Sender thread.
  void run();
  // Decides, under mu_, what to do for one peer; work that calls into gRPC
  // or the sink is recorded in `actions` and done after mu_ is released.
  void plan(Peer* peer, Clock::time_point now, Actions* actions, Clock::time_point* wake);
  void execute(Actions* actions);
  void reap_finished_snapshot_jobs();
  // Stream callbacks (gRPC threads).
  void on_write_done(Peer* peer, bool ok, uint64_t bytes);
  void on_stream_done(Peer* peer, std::string error);
  // Snapshot transfer: starts a thread running send_snapshot (under mu_).
  void start_snapshot(raft::Message m, std::vector<raft::Message>* refused);
  void send_snapshot(SnapshotJob* job);
  void report_unreachable(const std::vector<std::pair<raft::RangeId, raft::NodeId>>& list);

  const GrpcTransportOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;   // Wakes the sender thread and stop().
  bool running_ = false;         // Guarded by mu_.
  bool stopping_ = false;        // Guarded by mu_.
  bool work_pending_ = false;    // Guarded by mu_.
  int reporting_ = 0;            // send() calls reporting to the sink; guarded by mu_.
  MessageSink* sink_ = nullptr;  // Set by start(); constant until stop().
  std::map<raft::NodeId, std::unique_ptr<Peer>> peers_;    // Guarded by mu_.
  std::list<std::unique_ptr<Peer>> retired_;               // Guarded by mu_.
  std::list<std::unique_ptr<SnapshotJob>> snapshot_jobs_;  // Guarded by mu_.
  uint64_t dropped_unknown_peer_ = 0;                      // Guarded by mu_.
  uint64_t seed_counter_;                                  // Guarded by mu_.
  std::thread sender_;
};

}  // namespace strata::node
