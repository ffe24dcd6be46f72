// GrpcTransport and RaftTransportService over real gRPC on 127.0.0.1.
// Every wait is on a condition with a generous deadline, never a fixed sleep.
#include "node/transport_grpc.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "kv/crc32c.h"
#include "node/transport_backoff.h"
#include "node/transport_crc32c.h"
#include "node/transport_service.h"
#include "node/transport_test_util.h"
#include "strata/raft.grpc.pb.h"

namespace strata::node {
namespace {

using namespace std::chrono_literals;
using testing::PeerServer;
using testing::RecordingSink;

const raft::NodeId kA(1);
const raft::NodeId kB(2);
const raft::RangeId kRange(1);

raft::Message Heartbeat(uint64_t seq, raft::NodeId to = kB, raft::RangeId range = kRange) {
  raft::Message m;
  m.type = raft::MessageType::kHeartbeat;
  m.range = range;
  m.from = kA;
  m.to = to;
  m.term = raft::Term(1);
  m.index = raft::Index(seq);  // Sequence number, checked for order.
  return m;
}

raft::Message SnapshotMessage(std::string data) {
  raft::Message m;
  m.type = raft::MessageType::kSnapshot;
  m.range = kRange;
  m.from = kA;
  m.to = kB;
  m.term = raft::Term(4);
  m.snapshot = std::make_shared<const raft::Snapshot>(
      raft::Snapshot{{raft::Index(77), raft::Term(3), {{kA, kB}, {raft::NodeId(5)}, {}, {}, false}},
                     std::move(data)});
  return m;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>(v >> (8 * j));
  }
  return s;
}

GrpcTransportOptions Options(std::string peer_address) {
  GrpcTransportOptions o;
  o.id = kA;
  o.peers[kB] = std::move(peer_address);
  o.seed = 42;
  // A first connection slowed down by a loaded machine must not lose the
  // messages these tests count; the tests of dropping set their own bound.
  o.disconnected_drop_after = std::chrono::hours(1);
  return o;
}

// A port that nothing listens on (bound once by gRPC, then released).
int ClosedPort() {
  RecordingSink unused;
  PeerServer s(kB, &unused);
  EXPECT_TRUE(s.ok());
  return s.port();
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::seconds timeout = 60s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST(TransportCrc32cTest, MatchesTheKvImplementation) {
  EXPECT_EQ(TransportCrc32c(""), 0u);
  EXPECT_EQ(TransportCrc32c("123456789"), 0xE3069283u);  // The standard check value.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 500; ++i) {
    std::string data = RandomBytes(rng() % 3000, rng());
    size_t offset = data.empty() ? 0 : rng() % data.size();  // Unaligned starts too.
    std::string_view view = std::string_view(data).substr(offset);
    ASSERT_EQ(TransportCrc32c(view), kv::Crc32c(view)) << view.size();
  }
}

TEST(BackoffTest, DoublesWithJitterUpToTheCap) {
  Backoff b(50ms, 2000ms, 1);
  std::chrono::milliseconds base = 50ms;
  for (int i = 0; i < 12; ++i) {
    auto d = b.next();
    EXPECT_GE(d, base / 2) << i;
    EXPECT_LE(d, base) << i;
    base = std::min<std::chrono::milliseconds>(base * 2, 2000ms);
  }
  EXPECT_EQ(b.current(), 2000ms);
  b.reset();
  EXPECT_EQ(b.current(), 50ms);
}

TEST(GrpcTransportTest, MessagesArriveInOrderAcrossBatches) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransportOptions o = Options(server.address());
  o.batch_bytes_max = 2000;  // About 30 heartbeats per write: many batches.
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());

  constexpr uint64_t kMessages = 5000;
  for (uint64_t i = 0; i < kMessages; i += 50) {
    std::vector<raft::Message> batch;
    for (uint64_t j = i; j < i + 50; ++j) batch.push_back(Heartbeat(j));
    t.send(std::move(batch));
  }
  ASSERT_TRUE(server_sink.await([&](auto& s) { return s.delivered_locked().size() >= kMessages; }));
  std::vector<raft::Message> got = server_sink.delivered();
  ASSERT_EQ(got.size(), kMessages);
  for (uint64_t i = 0; i < kMessages; ++i) {
    ASSERT_EQ(got[i].index.value(), i);
    ASSERT_EQ(got[i], Heartbeat(i));
  }
  // The client counts a batch once its write completes, which may be after
  // the server delivered it.
  ASSERT_TRUE(Eventually([&] { return t.metrics().peers[kB].messages_sent == kMessages; }));
  TransportMetrics m = t.metrics();
  EXPECT_GT(m.peers[kB].batches_sent, 1u);
  EXPECT_GT(m.peers[kB].bytes_sent, 0u);
  EXPECT_EQ(m.peers[kB].messages_dropped, 0u);
  EXPECT_TRUE(m.peers[kB].connected);
  ServiceMetrics sm = server.service().metrics();
  EXPECT_EQ(sm.peers[kA].messages_received, kMessages);
  EXPECT_EQ(sm.peers[kA].batches_received, m.peers[kB].batches_sent);
  EXPECT_EQ(sm.streams_opened, 1u) << "one long-lived stream";
  EXPECT_EQ(client_sink.unreachable_count(), 0u);
  t.stop();
}

TEST(GrpcTransportTest, ForwardedProposalsArrive) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());
  for (int i = 0; i < 100; ++i) t.forward(kB, raft::RangeId(3), "proposal-" + std::to_string(i));
  ASSERT_TRUE(server_sink.await([](auto& s) { return s.forwards_locked().size() >= 100; }));
  auto got = server_sink.forwards();
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(got[i].first, raft::RangeId(3));
    EXPECT_EQ(got[i].second, "proposal-" + std::to_string(i));
  }
  EXPECT_TRUE(Eventually([&] { return t.metrics().peers[kB].forwards_sent == 100; }));
  EXPECT_EQ(server.service().metrics().peers[kA].forwards_received, 100u);
}

TEST(GrpcTransportTest, UnreachablePeerIsReportedAndDeliveryResumesAfterRestart) {
  RecordingSink server_sink, client_sink;
  const int port = ClosedPort();
  GrpcTransport t(Options("127.0.0.1:" + std::to_string(port)));
  ASSERT_TRUE(t.start(&client_sink).ok());

  uint64_t seq = 0;
  // Raft keeps sending heartbeats; so does this loop, until one is reported.
  ASSERT_TRUE(Eventually([&] {
    t.send({Heartbeat(seq++)});
    return client_sink.unreachable_count() > 0;
  }));
  EXPECT_FALSE(t.metrics().peers[kB].connected);

  PeerServer server(kB, &server_sink, port);  // The peer comes back on the same port.
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE(Eventually([&] {
    t.send({Heartbeat(seq++)});
    return !server_sink.delivered().empty();
  })) << t.metrics().peers[kB].last_error;
  TransportMetrics m = t.metrics();
  EXPECT_GE(m.peers[kB].stream_failures, 1u);
  EXPECT_GE(m.peers[kB].reconnects, 1u);
  // What arrives after the reconnect is in order.
  ASSERT_TRUE(server_sink.await([](auto& s) { return s.delivered_locked().size() >= 1; }));
  auto got = server_sink.delivered();
  for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].index, got[i].index);
}

TEST(GrpcTransportTest, SendNeverBlocksAndTheQueueIsBounded) {
  RecordingSink client_sink;
  GrpcTransportOptions o = Options("127.0.0.1:" + std::to_string(ClosedPort()));
  o.queue_messages_max = 100;  // Only the bound drops: Options() keeps the rest for an hour.
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());

  std::vector<raft::Message> burst;
  for (uint64_t i = 0; i < 1000; ++i) burst.push_back(Heartbeat(i));
  t.send(std::move(burst));
  // send() accepted exactly the bound and dropped (and reported) the rest
  // before returning.
  TransportMetrics m = t.metrics();
  EXPECT_GE(m.peers[kB].messages_dropped, 900u);
  EXPECT_LE(m.peers[kB].queued_messages, 100u);
  EXPECT_GE(client_sink.unreachable_count(), 1u);

  // The byte bound works the same way.
  GrpcTransportOptions ob = o;
  ob.queue_messages_max = 1000000;
  ob.queue_bytes_max = 10 * 1024;
  GrpcTransport tb(ob);
  ASSERT_TRUE(tb.start(&client_sink).ok());
  std::vector<raft::Message> big;
  for (uint64_t i = 0; i < 100; ++i) {
    big.push_back(Heartbeat(i));
    big.back().context = std::string(1000, 'c');
  }
  tb.send(std::move(big));
  TransportMetrics mb = tb.metrics();
  EXPECT_GE(mb.peers[kB].messages_dropped, 90u);
  EXPECT_LE(mb.peers[kB].queued_bytes, 10u * 1024);
}

TEST(GrpcTransportTest, MessagesQueuedWhileDisconnectedAreDroppedAfterTheBound) {
  RecordingSink client_sink;
  GrpcTransportOptions o = Options("127.0.0.1:" + std::to_string(ClosedPort()));
  o.disconnected_drop_after = 100ms;
  o.backoff_initial = 1000ms;  // Stay disconnected for a while after the first failure.
  o.backoff_max = 1000ms;
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());
  std::vector<raft::Message> burst;
  for (uint64_t i = 0; i < 50; ++i) burst.push_back(Heartbeat(i));
  t.send(std::move(burst));
  ASSERT_TRUE(Eventually([&] {
    auto m = t.metrics().peers[kB];
    return m.queued_messages == 0 && m.messages_dropped == 50;
  }));
  // Reported by the sender thread just after it counted the drops.
  EXPECT_TRUE(client_sink.await([](auto& s) { return !s.unreachable_locked().empty(); }));
}

TEST(GrpcTransportTest, UnknownPeerIsReportedUnreachable) {
  RecordingSink client_sink;
  GrpcTransport t(Options("127.0.0.1:1"));
  ASSERT_TRUE(t.start(&client_sink).ok());
  t.send({Heartbeat(0, raft::NodeId(9))});
  EXPECT_EQ(client_sink.unreachable_count(), 1u);
  EXPECT_EQ(t.metrics().dropped_unknown_peer, 1u);
}

TEST(GrpcTransportTest, PeersCanBeAddedUpdatedAndRemoved) {
  RecordingSink sink1, sink2, client_sink;
  PeerServer s1(kB, &sink1), s2(kB, &sink2);
  ASSERT_TRUE(s1.ok() && s2.ok());
  GrpcTransportOptions o;
  o.id = kA;
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());
  EXPECT_TRUE(t.add_peer(kA, "x:1").Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(t.update_peer(kB, "x:1").Is(StatusCode::kNotFound));
  ASSERT_TRUE(t.add_peer(kB, s1.address()).ok());
  EXPECT_TRUE(t.add_peer(kB, s1.address()).Is(StatusCode::kAlreadyExists));

  t.send({Heartbeat(1)});
  ASSERT_TRUE(sink1.await([](auto& s) { return s.delivered_locked().size() == 1; }));

  ASSERT_TRUE(t.update_peer(kB, s2.address()).ok());
  uint64_t seq = 2;
  ASSERT_TRUE(Eventually([&] {
    t.send({Heartbeat(seq++)});
    return !sink2.delivered().empty();
  }));

  ASSERT_TRUE(t.remove_peer(kB).ok());
  EXPECT_TRUE(t.remove_peer(kB).Is(StatusCode::kNotFound));
  size_t before = client_sink.unreachable_count();
  t.send({Heartbeat(seq++)});
  EXPECT_GE(client_sink.unreachable_count(), before + 1);
  EXPECT_EQ(t.metrics().peers.count(kB), 0u);
}

TEST(GrpcTransportTest, FiveMiBSnapshotArrivesIntact) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());

  raft::Message snap = SnapshotMessage(RandomBytes(5 << 20, 1));
  raft::Message expected = snap;
  // Heartbeats sent alongside keep flowing on the Send stream.
  t.send({Heartbeat(1), std::move(snap), Heartbeat(2)});
  ASSERT_TRUE(client_sink.await([](auto& s) { return !s.snapshots_locked().empty(); }));
  auto reports = client_sink.snapshots();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].success) << t.metrics().peers[kB].last_error;
  EXPECT_EQ(reports[0].range, kRange);
  EXPECT_EQ(reports[0].to, kB);

  ASSERT_TRUE(server_sink.await([](auto& s) { return s.delivered_locked().size() >= 3; }));
  const raft::Message* got = nullptr;
  auto delivered = server_sink.delivered();
  for (const auto& m : delivered) {
    if (m.type == raft::MessageType::kSnapshot) got = &m;
  }
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, expected);  // Every field, metadata and all 5 MiB.
  TransportMetrics m = t.metrics();
  EXPECT_EQ(m.peers[kB].snapshots_sent, 1u);
  EXPECT_EQ(m.peers[kB].snapshot_bytes_sent, 5u << 20);
  ServiceMetrics sm = server.service().metrics();
  EXPECT_EQ(sm.peers[kA].snapshots_received, 1u);
  EXPECT_EQ(sm.peers[kA].snapshot_bytes_received, 5u << 20);
}

TEST(GrpcTransportTest, CorruptedSnapshotChunkIsRejected) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransportOptions o = Options(server.address());
  o.corrupt_snapshot_chunk_for_test = 2;
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());
  t.send({SnapshotMessage(RandomBytes(5 << 20, 2))});
  ASSERT_TRUE(client_sink.await([](auto& s) { return !s.snapshots_locked().empty(); }));
  EXPECT_FALSE(client_sink.snapshots()[0].success);
  EXPECT_NE(t.metrics().peers[kB].last_error.find("CRC-32C"), std::string::npos)
      << t.metrics().peers[kB].last_error;
  EXPECT_TRUE(server_sink.delivered().empty());
  EXPECT_EQ(server.service().metrics().snapshots_rejected, 1u);
  EXPECT_EQ(t.metrics().peers[kB].snapshots_failed, 1u);
}

// ---- Streamed images: the sink supplies readers and writers ----

// A pseudo-random image of `size` bytes, generated as it is read; records
// what the transport asked for and when it let go.
class GeneratedReader final : public SnapshotReader {
 public:
  struct Log {
    std::mutex mu;
    uint64_t reads = 0;
    size_t max_request = 0;
    bool destroyed = false;
  };
  GeneratedReader(uint64_t size, uint64_t fail_after, std::shared_ptr<Log> log)
      : size_(size), fail_after_(fail_after), log_(std::move(log)) {}
  ~GeneratedReader() override {
    std::lock_guard lock(log_->mu);
    log_->destroyed = true;
  }
  Result<bool> Read(size_t max_bytes, std::string* out) override {
    {
      std::lock_guard lock(log_->mu);
      ++log_->reads;
      log_->max_request = std::max(log_->max_request, max_bytes);
    }
    if (offset_ >= fail_after_) return Status::IOError("disk went away");
    if (offset_ == size_) return false;
    size_t n = std::min<uint64_t>(max_bytes, size_ - offset_);
    for (size_t i = 0; i < n; ++i) out->push_back(ByteAt(offset_ + i));
    offset_ += n;
    return true;
  }
  uint64_t size_hint() const override { return size_; }
  static char ByteAt(uint64_t i) { return static_cast<char>((i * 2654435761u) >> 13); }

 private:
  const uint64_t size_;
  const uint64_t fail_after_;
  std::shared_ptr<Log> log_;
  uint64_t offset_ = 0;
};

// Checks the bytes it receives against GeneratedReader's and counts them.
class CheckingWriter final : public SnapshotWriter {
 public:
  struct Log {
    std::mutex mu;
    uint64_t bytes = 0;
    size_t max_write = 0;
    bool mismatch = false;
    bool finished = false;
    bool destroyed = false;
  };
  CheckingWriter(std::shared_ptr<Log> log, uint64_t refuse_at)
      : log_(std::move(log)), refuse_at_(refuse_at) {}
  ~CheckingWriter() override {
    std::lock_guard lock(log_->mu);
    log_->destroyed = true;
  }
  Status Write(std::string_view bytes) override {
    std::lock_guard lock(log_->mu);
    if (log_->bytes + bytes.size() > refuse_at_) return Status::Corruption("not an image of mine");
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] != GeneratedReader::ByteAt(log_->bytes + i)) log_->mismatch = true;
    }
    log_->bytes += bytes.size();
    log_->max_write = std::max(log_->max_write, bytes.size());
    return Status::Ok();
  }
  Result<std::string> Finish() override {
    std::lock_guard lock(log_->mu);
    log_->finished = true;
    return "staged " + std::to_string(log_->bytes);
  }

 private:
  std::shared_ptr<Log> log_;
  const uint64_t refuse_at_;
};

// A RecordingSink that also streams images: open_snapshot hands out a
// GeneratedReader, receive_snapshot a CheckingWriter.
class StreamingSink final : public MessageSink {
 public:
  uint64_t image_bytes = 0;
  uint64_t fail_reading_after = UINT64_MAX;
  uint64_t refuse_writes_at = UINT64_MAX;
  std::shared_ptr<GeneratedReader::Log> reader_log = std::make_shared<GeneratedReader::Log>();
  std::shared_ptr<CheckingWriter::Log> writer_log = std::make_shared<CheckingWriter::Log>();
  RecordingSink recorded;

  void deliver(std::vector<raft::Message> messages) override {
    recorded.deliver(std::move(messages));
  }
  void deliver_forwarded(raft::RangeId range, std::string proposal) override {
    recorded.deliver_forwarded(range, std::move(proposal));
  }
  void report_snapshot(raft::RangeId range, raft::NodeId to, bool success) override {
    recorded.report_snapshot(range, to, success);
  }
  void report_unreachable(raft::RangeId range, raft::NodeId to) override {
    recorded.report_unreachable(range, to);
  }
  Result<std::unique_ptr<SnapshotReader>> open_snapshot(const raft::Message&) override {
    return std::unique_ptr<SnapshotReader>(
        std::make_unique<GeneratedReader>(image_bytes, fail_reading_after, reader_log));
  }
  Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(raft::RangeId,
                                                           const raft::SnapshotMetadata&) override {
    return std::unique_ptr<SnapshotWriter>(
        std::make_unique<CheckingWriter>(writer_log, refuse_writes_at));
  }
};

TEST(GrpcTransportTest, StreamedImageTravelsChunkByChunkAndIsReleased) {
  StreamingSink server_sink, client_sink;
  client_sink.image_bytes = (20 << 20) + 12345;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransportOptions o = Options(server.address());
  o.snapshot_chunk_bytes = 256 << 10;
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());
  // The message carries a descriptor only; the sink supplies the image.
  t.send({SnapshotMessage("descriptor")});
  ASSERT_TRUE(client_sink.recorded.await([](auto& s) { return !s.snapshots_locked().empty(); }));
  EXPECT_TRUE(client_sink.recorded.snapshots()[0].success) << t.metrics().peers[kB].last_error;

  ASSERT_TRUE(server_sink.recorded.await([](auto& s) { return !s.delivered_locked().empty(); }));
  auto delivered = server_sink.recorded.delivered();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].snapshot->data, "staged " + std::to_string(client_sink.image_bytes))
      << "raft gets what the writer finished with, not the image";
  EXPECT_EQ(delivered[0].snapshot->metadata.index, raft::Index(77));
  {
    std::lock_guard lock(server_sink.writer_log->mu);
    EXPECT_FALSE(server_sink.writer_log->mismatch);
    EXPECT_EQ(server_sink.writer_log->bytes, client_sink.image_bytes);
    EXPECT_LE(server_sink.writer_log->max_write, o.snapshot_chunk_bytes)
        << "the receiver hands on a chunk at a time";
    EXPECT_TRUE(server_sink.writer_log->finished);
  }
  {
    std::lock_guard lock(client_sink.reader_log->mu);
    EXPECT_LE(client_sink.reader_log->max_request, o.snapshot_chunk_bytes)
        << "the sender reads a chunk at a time";
    EXPECT_GE(client_sink.reader_log->reads, client_sink.image_bytes / o.snapshot_chunk_bytes);
    EXPECT_TRUE(client_sink.reader_log->destroyed) << "the image is released after the transfer";
  }
  EXPECT_EQ(t.metrics().peers[kB].snapshot_bytes_sent, client_sink.image_bytes);
  EXPECT_EQ(server.service().metrics().peers[kA].snapshot_bytes_received, client_sink.image_bytes);
}

TEST(GrpcTransportTest, ImageThatFailsToReadFailsTheTransfer) {
  StreamingSink server_sink, client_sink;
  client_sink.image_bytes = 8 << 20;
  client_sink.fail_reading_after = 3 << 20;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());
  t.send({SnapshotMessage("descriptor")});
  ASSERT_TRUE(client_sink.recorded.await([](auto& s) { return !s.snapshots_locked().empty(); }));
  EXPECT_FALSE(client_sink.recorded.snapshots()[0].success);
  EXPECT_NE(t.metrics().peers[kB].last_error.find("disk went away"), std::string::npos)
      << t.metrics().peers[kB].last_error;
  // The receiver drops what it staged and delivers nothing.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  auto writer_gone = [&] {
    std::lock_guard lock(server_sink.writer_log->mu);
    return server_sink.writer_log->destroyed;
  };
  while (!writer_gone() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(writer_gone());
  EXPECT_FALSE(server_sink.writer_log->finished);
  EXPECT_TRUE(server_sink.recorded.delivered().empty());
  std::lock_guard lock(client_sink.reader_log->mu);
  EXPECT_TRUE(client_sink.reader_log->destroyed);
}

TEST(GrpcTransportTest, WriterRefusalFailsTheTransferWithItsReason) {
  StreamingSink server_sink, client_sink;
  client_sink.image_bytes = 4 << 20;
  server_sink.refuse_writes_at = 2 << 20;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());
  t.send({SnapshotMessage("descriptor")});
  ASSERT_TRUE(client_sink.recorded.await([](auto& s) { return !s.snapshots_locked().empty(); }));
  EXPECT_FALSE(client_sink.recorded.snapshots()[0].success);
  EXPECT_NE(t.metrics().peers[kB].last_error.find("not an image of mine"), std::string::npos)
      << t.metrics().peers[kB].last_error;
  EXPECT_TRUE(server_sink.recorded.delivered().empty());
  EXPECT_EQ(server.service().metrics().snapshots_rejected, 1u);
}

// Hand-made streams: what a broken or hostile peer could send.
class RawClient {
 public:
  explicit RawClient(const std::string& address, uint64_t from = 1)
      : stub_(raftpb::RaftTransport::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        from_(from) {}

  raftpb::SnapshotResponse send_chunks(const std::vector<raftpb::SnapshotChunk>& chunks) {
    grpc::ClientContext ctx;
    ctx.AddMetadata(kNodeIdMetadataKey, std::to_string(from_));
    raftpb::SnapshotResponse response;
    auto writer = stub_->SendSnapshot(&ctx, &response);
    for (const auto& c : chunks) {
      if (!writer->Write(c)) break;
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  void send_batches(const std::vector<raftpb::MessageBatch>& batches) {
    grpc::ClientContext ctx;
    ctx.AddMetadata(kNodeIdMetadataKey, std::to_string(from_));
    raftpb::SendResponse response;
    auto writer = stub_->Send(&ctx, &response);
    for (const auto& b : batches) ASSERT_TRUE(writer->Write(b));
    writer->WritesDone();
    EXPECT_TRUE(writer->Finish().ok());
  }

 private:
  std::unique_ptr<raftpb::RaftTransport::Stub> stub_;
  uint64_t from_;
};

raftpb::SnapshotChunk Chunk(uint64_t index, std::string data, bool final) {
  raftpb::SnapshotChunk c;
  c.set_range(1);
  c.set_from(1);
  c.set_to(2);
  if (index == 0) {
    c.set_term(4);
    c.mutable_metadata()->set_index(10);
    c.mutable_metadata()->set_term(3);
    c.mutable_metadata()->mutable_conf_state()->add_voters(1);
  }
  c.set_crc32c(kv::Crc32c(data));
  c.set_data(std::move(data));
  c.set_chunk_index(index);
  c.set_final(final);
  return c;
}

TEST(RaftTransportServiceTest, RejectsBrokenChunkSequences) {
  RecordingSink sink;
  RaftTransportServiceOptions so;
  so.snapshot_bytes_max = 1000;
  PeerServer server(kB, &sink, 0, so);
  ASSERT_TRUE(server.ok());
  RawClient client(server.address());

  auto gap = client.send_chunks({Chunk(0, "aa", false), Chunk(2, "bb", true)});
  EXPECT_FALSE(gap.accepted());
  EXPECT_NE(gap.error().find("expected chunk 1"), std::string::npos) << gap.error();

  auto bad_crc = Chunk(1, "bb", true);
  bad_crc.set_crc32c(bad_crc.crc32c() + 1);
  auto crc = client.send_chunks({Chunk(0, "aa", false), bad_crc});
  EXPECT_FALSE(crc.accepted());
  EXPECT_NE(crc.error().find("CRC-32C"), std::string::npos) << crc.error();

  auto wrong_node = Chunk(0, "aa", true);
  wrong_node.set_to(3);
  EXPECT_FALSE(client.send_chunks({wrong_node}).accepted());

  auto no_metadata = Chunk(0, "aa", true);
  no_metadata.clear_metadata();
  EXPECT_FALSE(client.send_chunks({no_metadata}).accepted());

  auto too_big = client.send_chunks(
      {Chunk(0, std::string(600, 'x'), false), Chunk(1, std::string(600, 'y'), true)});
  EXPECT_FALSE(too_big.accepted());

  auto unfinished = client.send_chunks({Chunk(0, "aa", false)});
  EXPECT_FALSE(unfinished.accepted());

  EXPECT_TRUE(sink.delivered().empty());
  EXPECT_EQ(server.service().metrics().snapshots_rejected, 6u);

  // The service still works.
  auto good = client.send_chunks({Chunk(0, "aa", false), Chunk(1, "bb", true)});
  EXPECT_TRUE(good.accepted()) << good.error();
  EXPECT_EQ(good.bytes_received(), 4u);
  auto delivered = sink.delivered();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].snapshot->data, "aabb");
  EXPECT_EQ(delivered[0].term, raft::Term(4));
  EXPECT_EQ(delivered[0].snapshot->metadata.index, raft::Index(10));
}

TEST(RaftTransportServiceTest, MalformedAndMisaddressedMessagesAreCountedAndDropped) {
  RecordingSink sink;
  PeerServer server(kB, &sink);
  ASSERT_TRUE(server.ok());
  RawClient client(server.address(), /*from=*/1);

  raftpb::MessageBatch bad;
  raftpb::Message* unknown_type = bad.add_messages();
  unknown_type->set_type(static_cast<raftpb::MessageType>(40));
  unknown_type->set_from(1);
  unknown_type->set_to(2);
  raftpb::Message* misaddressed = bad.add_messages();
  misaddressed->set_type(raftpb::MSG_HEARTBEAT);
  misaddressed->set_from(1);
  misaddressed->set_to(3);
  raftpb::Message* spoofed = bad.add_messages();
  spoofed->set_type(raftpb::MSG_HEARTBEAT);
  spoofed->set_from(7);  // The stream says it comes from node 1.
  spoofed->set_to(2);
  bad.add_forwards()->set_proposal("no range");
  raftpb::MessageBatch good;
  raftpb::Message* ok = good.add_messages();
  ok->set_type(raftpb::MSG_HEARTBEAT);
  ok->set_from(1);
  ok->set_to(2);
  ok->set_term(1);
  client.send_batches({bad, good});

  ASSERT_TRUE(sink.await([](auto& s) { return !s.delivered_locked().empty(); }));
  EXPECT_EQ(sink.delivered().size(), 1u);
  EXPECT_TRUE(sink.forwards().empty());
  ServiceMetrics m = server.service().metrics();
  EXPECT_EQ(m.messages_malformed, 2u);
  EXPECT_EQ(m.messages_misaddressed, 1u);
  EXPECT_EQ(m.forwards_malformed, 1u);
  EXPECT_EQ(m.peers[kA].messages_received, 1u);
}

// A peer that accepts the stream and then never reads: a hung process.
class BlackHoleService final : public raftpb::RaftTransport::CallbackService {
 public:
  grpc::ServerReadReactor<raftpb::MessageBatch>* Send(grpc::CallbackServerContext*,
                                                      raftpb::SendResponse*) override {
    class Reactor final : public grpc::ServerReadReactor<raftpb::MessageBatch> {
     public:
      void OnCancel() override { Finish(grpc::Status::CANCELLED); }
      void OnDone() override { delete this; }
    };
    return new Reactor;
  }
};

TEST(GrpcTransportTest, StalledStreamIsCancelledAndReported) {
  BlackHoleService hole;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&hole);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_TRUE(server != nullptr && port > 0);

  RecordingSink client_sink;
  GrpcTransportOptions o = Options("127.0.0.1:" + std::to_string(port));
  o.write_stall_timeout = 500ms;
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());
  // Far more than HTTP/2 flow control lets through unread, well within the
  // queue's bounds: only the stall detector can report this peer.
  for (int i = 0; i < 32; ++i) {
    raft::Message m = Heartbeat(i);
    m.context = std::string(1 << 20, 'x');
    t.send({std::move(m)});
  }
  ASSERT_TRUE(client_sink.await([](auto& s) { return !s.unreachable_locked().empty(); }));
  auto m = t.metrics().peers[kB];
  EXPECT_GE(m.stream_failures, 1u);
  EXPECT_GE(m.messages_dropped, 1u) << "the stalled write's messages are counted as lost";
  t.stop();
  server->Shutdown(std::chrono::system_clock::now() + 1s);
}

TEST(GrpcTransportTest, StopIsIdempotentAndSilencesTheTransport) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());
  t.send({Heartbeat(0)});
  t.stop();
  t.stop();
  size_t before = client_sink.unreachable_count();
  t.send({Heartbeat(1, raft::NodeId(9))});  // Unknown peer, but stopped: no report.
  EXPECT_EQ(client_sink.unreachable_count(), before);
  EXPECT_TRUE(t.start(&client_sink).Is(StatusCode::kFailedPrecondition));
}

// A measurement, not a check (run it by name with
// --gtest_also_run_disabled_tests): messages per second over one stream,
// client and server in this process.
void MeasureThroughput(const char* what, raft::Message prototype, uint64_t total) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransportOptions o = Options(server.address());
  o.queue_messages_max = total;
  o.queue_bytes_max = uint64_t{4} << 30;
  GrpcTransport t(o);
  ASSERT_TRUE(t.start(&client_sink).ok());
  t.send({prototype});  // Connect first.
  ASSERT_TRUE(server_sink.await([](auto& s) { return s.delivered_locked().size() == 1; }));

  auto cpu = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  double cpu0 = cpu();
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < total; i += 100) {
    std::vector<raft::Message> burst(100, prototype);  // What one raft Ready might hold.
    t.send(std::move(burst));
  }
  ASSERT_TRUE(server_sink.await([&](auto& s) { return s.delivered_locked().size() >= total + 1; },
                                std::chrono::seconds(300)));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu_secs = cpu() - cpu0;
  auto m = t.metrics().peers[kB];
  std::printf("%s: %llu messages in %.2f s = %.0f msg/s; %.2f us CPU per message; %llu batches\n",
              what, static_cast<unsigned long long>(total), secs, total / secs,
              cpu_secs * 1e6 / total, static_cast<unsigned long long>(m.batches_sent));
}

// Rounds of `per_round` messages, each waiting for the previous round's
// delivery: small batches, a wake-up per round (latency-bound).
void MeasureRounds(uint64_t rounds, uint64_t per_round) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());
  auto cpu = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  double cpu0 = cpu();
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t r = 0; r < rounds; ++r) {
    t.send(std::vector<raft::Message>(per_round, Heartbeat(r)));
    ASSERT_TRUE(server_sink.await(
        [&](auto& s) { return s.delivered_locked().size() >= (r + 1) * per_round; }));
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu_secs = cpu() - cpu0;
  std::printf(
      "rounds of %llu heartbeats: %.0f rounds/s (%.0f us per round trip), %.0f msg/s; %.2f us "
      "CPU per message\n",
      static_cast<unsigned long long>(per_round), rounds / secs, secs * 1e6 / rounds,
      rounds * per_round / secs, cpu_secs * 1e6 / (rounds * per_round));
}

void MeasureSnapshot(size_t bytes) {
  RecordingSink server_sink, client_sink;
  PeerServer server(kB, &server_sink);
  ASSERT_TRUE(server.ok());
  GrpcTransport t(Options(server.address()));
  ASSERT_TRUE(t.start(&client_sink).ok());
  raft::Message snap = SnapshotMessage(RandomBytes(bytes, 3));
  auto t0 = std::chrono::steady_clock::now();
  t.send({std::move(snap)});
  ASSERT_TRUE(client_sink.await([](auto& s) { return !s.snapshots_locked().empty(); },
                                std::chrono::seconds(300)));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(client_sink.snapshots()[0].success);
  std::printf("snapshot of %zu MiB: %.3f s, %.0f MiB/s\n", bytes >> 20, secs, (bytes >> 20) / secs);
}

TEST(GrpcTransportTest, DISABLED_Throughput) {
  MeasureSnapshot(5 << 20);
  MeasureSnapshot(64 << 20);
  MeasureRounds(5000, 1);
  MeasureRounds(3000, 100);
  MeasureThroughput("heartbeats", Heartbeat(1), 1000000);
  raft::Message append = Heartbeat(1);
  append.type = raft::MessageType::kAppend;
  append.entries.push_back(
      raft::Entry{raft::Term(1), raft::Index(2), raft::EntryType::kNormal, std::string(256, 'v')});
  MeasureThroughput("appends with one 256-byte entry", append, 300000);
}

}  // namespace
}  // namespace strata::node
