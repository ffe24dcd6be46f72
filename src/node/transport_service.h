// RaftTransportService: the server half of the peer transport (gRPC service
// strata.raftpb.RaftTransport; the client half is GrpcTransport).
//
// `Send` streams carry MessageBatch writes: each message is decoded
// (raft_codec.h) and, when it is well formed, addressed to this node and
// sent by the node the stream says it comes from, handed to
// MessageSink::deliver (one call per batch); forwarded proposals go to
// deliver_forwarded. Anything else is counted and dropped; the stream
// stays up.
//
// `SendSnapshot` streams carry one snapshot image in chunks. The service
// checks that chunk indexes run 0, 1, 2 ... without gaps, that every chunk's
// CRC-32C matches its data, and that the first chunk is addressed to this
// node and carries valid metadata. Each chunk's data goes straight to the
// image's writer: the sink's (MessageSink::receive_snapshot; the node's
// state machine stages it on disk and checks it as it arrives), or, when the
// sink has none, memory up to snapshot_bytes_max. Once the final chunk is in
// and the writer has verified the whole image, the service delivers ONE
// kSnapshot raft message carrying what the writer finished with (for a
// staged image, a small descriptor) and answers accepted = true. On any
// failed check it answers accepted = false with the reason, drops what was
// staged and delivers nothing. Memory: a chunk at a time.
//
// Both methods use gRPC's callback API: no thread per stream; decoding and
// delivery run on gRPC's callback threads.
//
// Lifecycle: construct, Register() on the process's ServerBuilder, build
// and start the server. To shut down: stop_delivery() (ends the peer
// streams, which never end on their own), then grpc::Server::Shutdown(),
// then destroy the service; the sink may go away after stop_delivery().
//
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"

#include "node/snapshot_stream.h"
#include "node/transport_sink.h"
#include "raft/types.h"

namespace grpc {
class ServerBuilder;
class Service;
}  // namespace grpc

namespace strata::node {

// Call metadata naming the sending node (decimal node id). Messages whose
// `from` differs are dropped as malformed.
inline constexpr char kNodeIdMetadataKey[] = "strata-node-id";

struct RaftTransportServiceOptions {
  // Largest snapshot image assembled in memory (for a sink that does not
  // stage images; a staged image has no limit but the disk). Default: 1 GiB.
  uint64_t snapshot_bytes_max = uint64_t{1} << 30;
  // Snapshots received at once; more are refused with accepted = false.
  // Default: 2.
  int snapshot_receives_max = 2;
};

// Counters per sending node (keyed by the stream's node id metadata; 0 when
// absent), as of the metrics() call.
struct PeerReceiveMetrics {
  uint64_t batches_received = 0;
  uint64_t bytes_received = 0;     // Encoded MessageBatch bytes.
  uint64_t messages_received = 0;  // Delivered to the sink.
  uint64_t forwards_received = 0;
  uint64_t snapshots_received = 0;  // Accepted and delivered.
  uint64_t snapshot_bytes_received = 0;
};

struct ServiceMetrics {
  std::map<raft::NodeId, PeerReceiveMetrics> peers;
  uint64_t messages_misaddressed = 0;  // `to` is not this node.
  uint64_t messages_malformed = 0;     // Undecodable, or `from` is not the stream's node.
  uint64_t forwards_malformed = 0;     // Range 0.
  uint64_t messages_undelivered = 0;   // Arrived after stop_delivery().
  uint64_t snapshots_rejected = 0;
  uint64_t streams_opened = 0;
};

// Answers a peer's Call (see GrpcTransport::call): method and payload as
// sent by `from` (0 if the caller did not say). `reply` must be called
// exactly once, from any thread.
using PeerCallHandler =
    std::function<void(uint64_t from, const std::string& method, const std::string& payload,
                       std::function<void(Result<std::string>)> reply)>;

class RaftTransportService {
 public:
  // REQUIRES: self is non-zero; sink outlives stop_delivery() (or this).
  RaftTransportService(raft::NodeId self, MessageSink* sink,
                       RaftTransportServiceOptions options = {});
  ~RaftTransportService();
  RaftTransportService(const RaftTransportService&) = delete;
  RaftTransportService& operator=(const RaftTransportService&) = delete;

  // Adds the service to `builder`. The builder's max receive message size
  // (gRPC default: 4 MiB) must exceed GrpcTransportOptions::batch_bytes_max,
  // message_bytes_max and snapshot_chunk_bytes of every peer.
  void Register(grpc::ServerBuilder* builder);
  // The same service, for callers that register it themselves.
  grpc::Service* service();

  // Serves Call requests with handler (until then they fail UNIMPLEMENTED).
  // REQUIRES: before the server starts.
  void set_call_handler(PeerCallHandler handler);

  // After this returns the sink is never called again. Open streams are
  // cancelled (so grpc::Server::Shutdown returns without waiting for its
  // deadline) and new ones are refused with UNAVAILABLE. Idempotent.
  void stop_delivery();

  ServiceMetrics metrics() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::node
