#include "node/transport_service.h"

#include <grpcpp/grpcpp.h>

#include <charconv>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "node/raft_codec.h"
#include "node/transport_crc32c.h"
#include "strata/raft.grpc.pb.h"

namespace strata::node {
namespace {

// The sender's node id from the call metadata; 0 when absent or malformed.
uint64_t SenderId(const grpc::CallbackServerContext* ctx) {
  auto it = ctx->client_metadata().find(kNodeIdMetadataKey);
  if (it == ctx->client_metadata().end()) return 0;
  uint64_t id = 0;
  const char* begin = it->second.data();
  const char* end = begin + it->second.size();
  auto [ptr, ec] = std::from_chars(begin, end, id);
  return ec == std::errc() && ptr == end ? id : 0;
}

std::string Str(uint64_t v) { return std::to_string(v); }

// What the service knows of each open call, so that stop_delivery() can
// cancel it.
class LiveCall {
 public:
  explicit LiveCall(grpc::CallbackServerContext* ctx) : ctx_(ctx) {}
  virtual ~LiveCall() = default;
  grpc::CallbackServerContext* const ctx_;
};

}  // namespace

class RaftTransportService::Impl final : public raftpb::RaftTransport::CallbackService {
 public:
  Impl(raft::NodeId self, MessageSink* sink, RaftTransportServiceOptions options)
      : self_(self), options_(options), sink_(sink) {
    STRATA_ASSERT_MSG(!self.none(), "service needs this node's id");
    STRATA_ASSERT(sink != nullptr);
  }

  grpc::ServerReadReactor<raftpb::MessageBatch>* Send(grpc::CallbackServerContext* ctx,
                                                      raftpb::SendResponse* response) override;
  grpc::ServerReadReactor<raftpb::SnapshotChunk>* SendSnapshot(
      grpc::CallbackServerContext* ctx, raftpb::SnapshotResponse* response) override;
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* ctx,
                                 const raftpb::PeerCallRequest* request,
                                 raftpb::PeerCallResponse* response) override;
  PeerCallHandler call_handler;  // Set before the server starts.

  void handle_batch(uint64_t sender, raftpb::MessageBatch* batch);
  // False when delivery has stopped (nothing was delivered).
  bool deliver_snapshot(raft::Message m, uint64_t bytes);
  // Where an incoming image goes: the sink's writer (staging it), or, when
  // the sink has none, memory up to snapshot_bytes_max.
  Result<std::unique_ptr<SnapshotWriter>> open_snapshot_writer(raft::RangeId range,
                                                               const raft::SnapshotMetadata& md);
  bool acquire_snapshot_slot() {
    std::lock_guard lock(metrics_mu_);
    if (snapshot_receives_ >= options_.snapshot_receives_max) return false;
    ++snapshot_receives_;
    return true;
  }
  void release_snapshot_slot() {
    std::lock_guard lock(metrics_mu_);
    --snapshot_receives_;
  }
  void count_snapshot_rejected() {
    std::lock_guard lock(metrics_mu_);
    ++metrics_.snapshots_rejected;
  }

  // False when the service is closing: the call must finish at once.
  bool register_call(LiveCall* call) {
    std::lock_guard lock(calls_mu_);
    if (closing_) return false;
    calls_.insert(call);
    return true;
  }
  // From OnDone, before the reactor deletes itself.
  void unregister_call(LiveCall* call) {
    std::lock_guard lock(calls_mu_);
    calls_.erase(call);
  }

  void stop_delivery() {
    {
      std::unique_lock lock(sink_mu_);
      sink_ = nullptr;
    }
    // Peers never end their streams; cancel them so that Server::Shutdown
    // need not wait for its deadline. TryCancel runs no reaction inline
    // (gRPC hops to another thread for OnCancel, OnReadDone and OnDone), so
    // holding calls_mu_ here is safe, and it keeps each call's context alive:
    // OnDone, after which gRPC frees the context, waits for the lock.
    std::lock_guard lock(calls_mu_);
    closing_ = true;
    for (LiveCall* c : calls_) c->ctx_->TryCancel();
  }

  ServiceMetrics metrics() const {
    std::lock_guard lock(metrics_mu_);
    return metrics_;
  }

  raft::NodeId self() const { return self_; }
  const RaftTransportServiceOptions& options() const { return options_; }

 private:
  class SendReactor;
  class SnapshotReactor;

  const raft::NodeId self_;
  const RaftTransportServiceOptions options_;

  // Deliveries hold sink_mu_ shared; stop_delivery() takes it exclusively,
  // so it returns only once no delivery is in progress.
  std::shared_mutex sink_mu_;
  MessageSink* sink_;  // Guarded by sink_mu_.

  std::mutex calls_mu_;
  std::set<LiveCall*> calls_;  // Guarded by calls_mu_.
  bool closing_ = false;       // Guarded by calls_mu_.

  mutable std::mutex metrics_mu_;
  ServiceMetrics metrics_;     // Guarded by metrics_mu_.
  int snapshot_receives_ = 0;  // Guarded by metrics_mu_.
};

// One incoming `Send` stream: read a batch, deliver it, read the next.
class RaftTransportService::Impl::SendReactor final
    : public grpc::ServerReadReactor<raftpb::MessageBatch>,
      public LiveCall {
 public:
  SendReactor(Impl* service, grpc::CallbackServerContext* ctx, uint64_t sender)
      : LiveCall(ctx), service_(service), sender_(sender) {
    if (!service_->register_call(this)) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "node is shutting down"));
      return;
    }
    registered_ = true;
    StartRead(&batch_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // The client closed its side, or the call was cancelled.
      Finish(grpc::Status::OK);
      return;
    }
    service_->handle_batch(sender_, &batch_);
    batch_.Clear();
    StartRead(&batch_);
  }
  void OnDone() override {
    if (registered_) service_->unregister_call(this);
    delete this;
  }

 private:
  Impl* const service_;
  const uint64_t sender_;
  bool registered_ = false;
  raftpb::MessageBatch batch_;
};

// One incoming `SendSnapshot` stream: check each chunk, hand its data to the
// image's writer (staging it) and, once the whole image is in and the
// writer verified it, deliver one kSnapshot message carrying what the
// writer finished with.
class RaftTransportService::Impl::SnapshotReactor final
    : public grpc::ServerReadReactor<raftpb::SnapshotChunk>,
      public LiveCall {
 public:
  SnapshotReactor(Impl* service, grpc::CallbackServerContext* ctx, uint64_t sender,
                  raftpb::SnapshotResponse* response)
      : LiveCall(ctx), service_(service), sender_(sender), response_(response) {
    if (!service_->register_call(this)) {
      reject("this node is shutting down");
      return;
    }
    registered_ = true;
    admitted_ = service_->acquire_snapshot_slot();
    if (!admitted_) {
      reject("too many snapshots being received; retry later");
      return;
    }
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      reject("snapshot stream ended before its final chunk");
      return;
    }
    Status s = accept();
    if (!s.ok()) {
      reject(s.message());
      return;
    }
    if (!final_) {
      StartRead(&chunk_);
      return;
    }
    auto data = writer_->Finish();
    writer_.reset();
    if (!data.ok()) {
      reject(data.status().message());
      return;
    }
    const uint64_t bytes = received_;
    raft::Message m;
    m.type = raft::MessageType::kSnapshot;
    m.range = raft::RangeId(range_);
    m.from = raft::NodeId(from_);
    m.to = service_->self();
    m.term = raft::Term(term_);
    m.snapshot =
        std::make_shared<const raft::Snapshot>(raft::Snapshot{metadata_, std::move(*data)});
    if (!service_->deliver_snapshot(std::move(m), bytes)) {
      reject("this node is shutting down");
      return;
    }
    response_->set_accepted(true);
    response_->set_bytes_received(bytes);
    release_slot();
    Finish(grpc::Status::OK);
  }

  void OnDone() override {
    release_slot();
    if (registered_) service_->unregister_call(this);
    delete this;
  }

 private:
  // Checks chunk_ and hands its data to the image's writer.
  Status accept() {
    const raftpb::SnapshotChunk& c = chunk_;
    if (c.chunk_index() != next_index_) {
      return Status::InvalidArgument("chunk " + Str(c.chunk_index()) + " arrived; expected chunk " +
                                     Str(next_index_));
    }
    if (TransportCrc32c(c.data()) != c.crc32c()) {
      return Status::Corruption("chunk " + Str(c.chunk_index()) + " failed its CRC-32C check");
    }
    if (next_index_ == 0) {
      if (c.to() != service_->self().value()) {
        return Status::InvalidArgument("snapshot for node " + Str(c.to()) + " sent to node " +
                                       Str(service_->self().value()));
      }
      if (c.range() == 0 || c.from() == 0 || (sender_ != 0 && c.from() != sender_)) {
        return Status::InvalidArgument("snapshot has an invalid range or sender");
      }
      if (!c.has_metadata()) return Status::InvalidArgument("first chunk lacks the metadata");
      auto md = DecodeSnapshotMetadata(c.metadata());
      if (!md.ok()) return md.status();
      auto writer = service_->open_snapshot_writer(raft::RangeId(c.range()), *md);
      if (!writer.ok()) return writer.status();
      writer_ = std::move(*writer);
      metadata_ = std::move(*md);
      range_ = c.range();
      from_ = c.from();
      to_ = c.to();
      term_ = c.term();
      total_ = c.total_bytes();
    } else if (c.range() != range_ || c.from() != from_ || c.to() != to_) {
      return Status::InvalidArgument("chunk " + Str(c.chunk_index()) +
                                     " belongs to another transfer");
    }
    if (total_ != 0 && received_ + c.data().size() > total_) {
      return Status::InvalidArgument("snapshot is longer than the announced " + Str(total_) +
                                     " bytes");
    }
    STRATA_RETURN_IF_ERROR(writer_->Write(c.data()));
    received_ += c.data().size();
    ++next_index_;
    final_ = c.final();
    if (final_ && total_ != 0 && received_ != total_) {
      return Status::InvalidArgument("snapshot ended after " + Str(received_) + " of " +
                                     Str(total_) + " bytes");
    }
    return Status::Ok();
  }

  void reject(const std::string& error) {
    service_->count_snapshot_rejected();
    response_->set_accepted(false);
    response_->set_error(error);
    response_->set_bytes_received(received_);
    writer_.reset();  // Drops whatever was staged.
    release_slot();
    Finish(grpc::Status::OK);
  }

  // Frees the admission slot before the answer goes out, so that a sender
  // retrying at once is not refused because OnDone has not run yet.
  void release_slot() {
    if (admitted_) service_->release_snapshot_slot();
    admitted_ = false;
  }

  Impl* const service_;
  const uint64_t sender_;
  raftpb::SnapshotResponse* const response_;
  bool registered_ = false;
  bool admitted_ = false;
  raftpb::SnapshotChunk chunk_;
  uint64_t next_index_ = 0;
  bool final_ = false;
  uint64_t range_ = 0, from_ = 0, to_ = 0, term_ = 0, total_ = 0;
  uint64_t received_ = 0;  // Image bytes handed to the writer.
  raft::SnapshotMetadata metadata_;
  std::unique_ptr<SnapshotWriter> writer_;
};

grpc::ServerReadReactor<raftpb::MessageBatch>* RaftTransportService::Impl::Send(
    grpc::CallbackServerContext* ctx, raftpb::SendResponse* /*response*/) {
  {
    std::lock_guard lock(metrics_mu_);
    ++metrics_.streams_opened;
  }
  return new SendReactor(this, ctx, SenderId(ctx));
}

grpc::ServerReadReactor<raftpb::SnapshotChunk>* RaftTransportService::Impl::SendSnapshot(
    grpc::CallbackServerContext* ctx, raftpb::SnapshotResponse* response) {
  return new SnapshotReactor(this, ctx, SenderId(ctx), response);
}

grpc::ServerUnaryReactor* RaftTransportService::Impl::Call(grpc::CallbackServerContext* ctx,
                                                           const raftpb::PeerCallRequest* request,
                                                           raftpb::PeerCallResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (!call_handler) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no peer call handler"));
    return reactor;
  }
  call_handler(SenderId(ctx), request->method(), request->payload(),
               [reactor, response](Result<std::string> result) {
                 if (result.ok()) {
                   response->set_payload(std::move(*result));
                 } else {
                   response->set_code(static_cast<uint32_t>(result.status().code()));
                   response->set_message(result.status().message());
                 }
                 reactor->Finish(grpc::Status::OK);
               });
  return reactor;
}

void RaftTransportService::Impl::handle_batch(uint64_t sender, raftpb::MessageBatch* batch) {
  const uint64_t bytes = batch->ByteSizeLong();
  std::vector<raft::Message> messages;
  messages.reserve(batch->messages_size());
  uint64_t malformed = 0, misaddressed = 0, forwards_malformed = 0;
  for (raftpb::Message& pm : *batch->mutable_messages()) {
    Result<raft::Message> m = DecodeMessage(std::move(pm));
    if (!m.ok() || (sender != 0 && m->from.value() != sender)) {
      ++malformed;
    } else if (m->to != self_) {
      ++misaddressed;
    } else {
      messages.push_back(std::move(*m));
    }
  }
  std::vector<std::pair<raft::RangeId, std::string>> forwards;
  for (raftpb::ForwardedProposal& f : *batch->mutable_forwards()) {
    if (f.range() == 0) {
      ++forwards_malformed;
    } else {
      forwards.emplace_back(raft::RangeId(f.range()), std::move(*f.mutable_proposal()));
    }
  }
  // Metrics first, so that whoever sees a delivery sees it counted.
  std::shared_lock sink_lock(sink_mu_);
  {
    std::lock_guard lock(metrics_mu_);
    PeerReceiveMetrics& pm = metrics_.peers[raft::NodeId(sender)];
    ++pm.batches_received;
    pm.bytes_received += bytes;
    metrics_.messages_malformed += malformed;
    metrics_.messages_misaddressed += misaddressed;
    metrics_.forwards_malformed += forwards_malformed;
    if (sink_ != nullptr) {
      pm.messages_received += messages.size();
      pm.forwards_received += forwards.size();
    } else {
      metrics_.messages_undelivered += messages.size() + forwards.size();
    }
  }
  if (sink_ == nullptr) return;
  if (!messages.empty()) sink_->deliver(std::move(messages));
  for (auto& [range, proposal] : forwards) sink_->deliver_forwarded(range, std::move(proposal));
}

Result<std::unique_ptr<SnapshotWriter>> RaftTransportService::Impl::open_snapshot_writer(
    raft::RangeId range, const raft::SnapshotMetadata& md) {
  {
    std::shared_lock sink_lock(sink_mu_);
    if (sink_ == nullptr) return Status::Unavailable("this node is shutting down");
    auto writer = sink_->receive_snapshot(range, md);
    if (!writer.ok() || *writer != nullptr) return writer;
  }
  return std::unique_ptr<SnapshotWriter>(
      std::make_unique<MemorySnapshotWriter>(options_.snapshot_bytes_max));
}

bool RaftTransportService::Impl::deliver_snapshot(raft::Message m, uint64_t bytes) {
  std::shared_lock sink_lock(sink_mu_);
  if (sink_ == nullptr) return false;
  {
    std::lock_guard lock(metrics_mu_);
    PeerReceiveMetrics& pm = metrics_.peers[m.from];
    ++pm.snapshots_received;
    pm.snapshot_bytes_received += bytes;
  }
  std::vector<raft::Message> one;
  one.push_back(std::move(m));
  sink_->deliver(std::move(one));
  return true;
}

RaftTransportService::RaftTransportService(raft::NodeId self, MessageSink* sink,
                                           RaftTransportServiceOptions options)
    : impl_(std::make_unique<Impl>(self, sink, options)) {}

RaftTransportService::~RaftTransportService() = default;

void RaftTransportService::Register(grpc::ServerBuilder* builder) {
  builder->RegisterService(impl_.get());
}

grpc::Service* RaftTransportService::service() { return impl_.get(); }

void RaftTransportService::set_call_handler(PeerCallHandler handler) {
  impl_->call_handler = std::move(handler);
}

void RaftTransportService::stop_delivery() { impl_->stop_delivery(); }

ServiceMetrics RaftTransportService::metrics() const { return impl_->metrics(); }

}  // namespace strata::node
