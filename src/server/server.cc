#include "server/server.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/auth_service.h"
#include "api/auth_tokens.h"
#include "api/cluster_service.h"
#include "api/compactor.h"
#include "api/corruption_check.h"
#include "api/election_service.h"
#include "api/etcd_kv.h"
#include "api/etcd_state_machine.h"
#include "api/executor.h"
#include "api/http_server.h"
#include "api/kv_service.h"
#include "api/lease_service.h"
#include "api/lessor.h"
#include "api/lock_service.h"
#include "api/maintenance_service.h"
#include "api/members.h"
#include "api/metrics.h"
#include "api/watch_service.h"
#include "kv/applier.h"
#include "kv/mvcc_store.h"
#include "node/fault_injection.h"
#include "node/node.h"
#include "node/transport_grpc.h"
#include "node/transport_service.h"
#include "node/transport_sink.h"
#include "server/member_id.h"
#include "server/tls.h"
#include "server/version.h"
#include "storage/keys.h"
#include "storage/rocks_engine.h"

namespace strata::server {
namespace {

constexpr raft::RangeId kRange{1};
// gRPC framing on top of --max-request-bytes, as etcd allows.
constexpr int kGrpcOverheadBytes = 512 * 1024;
// Identity of the cluster this data directory belongs to, in cf meta.
constexpr std::string_view kIdentityKey = "server/identity";

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::vector<std::string> UrlStrings(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const Url& u : urls) out.push_back(u.ToString());
  return out;
}

// "host:port" of a member's first peer URL, for the transport.
std::string PeerAddress(const etcdserverpb::Member& m) {
  if (m.peerurls().empty()) return "";
  auto url = ParseUrl("peer-url", m.peerurls(0));
  return url.ok() ? url->HostPort() : "";
}

// Feeds the node's measurements into the Prometheus metrics.
class MetricsObserver final : public node::NodeObserver {
 public:
  MetricsObserver(api::Metrics* metrics, uint64_t self) : metrics_(metrics), self_(self) {}

  void on_log_write(std::chrono::nanoseconds duration, bool synced) override {
    if (synced) metrics_->wal_fsync_duration().Observe(Seconds(duration));
  }
  void on_apply(raft::RangeId, size_t, std::chrono::nanoseconds duration, raft::Index committed,
                raft::Index applied) override {
    metrics_->backend_commit_duration().Observe(Seconds(duration));
    metrics_->apply_duration().Observe(Seconds(duration));
    metrics_->proposals_committed().Set(static_cast<double>(committed.value()));
    metrics_->proposals_applied().Set(static_cast<double>(applied.value()));
  }
  void on_role_change(raft::RangeId, raft::Role role, raft::NodeId leader,
                      raft::Term term) override {
    metrics_->has_leader().Set(leader.none() ? 0 : 1);
    metrics_->is_leader().Set(role == raft::Role::kLeader ? 1 : 0);
    metrics_->raft_term().Set(static_cast<double>(term.value()));
    if (!leader.none() && leader != last_leader_) metrics_->leader_changes_seen().Increment();
    last_leader_ = leader;
    (void)self_;
  }
  void on_proposal_failed() override { metrics_->proposals_failed().Increment(); }

 private:
  static double Seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
  }
  api::Metrics* metrics_;
  uint64_t self_;
  raft::NodeId last_leader_;
};

// The fault switch as JSON: member ids in hex, as etcdctl prints them.
std::string FaultsJson(const node::FaultSwitch& faults) {
  auto ids = [](const std::set<raft::NodeId>& set) {
    nlohmann::json out = nlohmann::json::array();
    for (raft::NodeId id : set) out.push_back(FormatId(id.value()));
    return out;
  };
  const auto [delay_min, delay_max] = faults.delay_range();
  const auto [stall_min, stall_max] = faults.disk_stall_range();
  return nlohmann::json{
      {"blocked_to", ids(faults.blocked_to())}, {"blocked_from", ids(faults.blocked_from())},
      {"delay_min_ms", delay_min.count()},      {"delay_max_ms", delay_max.count()},
      {"disk_stall_min_ms", stall_min.count()}, {"disk_stall_max_ms", stall_max.count()}}
      .dump();
}

Status SetFaults(const std::string& body, node::FaultSwitch* faults) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Status::InvalidArgument("faults: the body is not a JSON object");
  auto ids = [&](const char* field, std::set<raft::NodeId>* out) -> Status {
    if (!json.contains(field)) return Status::Ok();
    if (!json[field].is_array()) {
      return Status::InvalidArgument(std::string("faults: ") + field + " is not an array");
    }
    for (const auto& v : json[field]) {
      uint64_t id = 0;
      std::string text = v.is_string() ? v.get<std::string>() : "";
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id, 16);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        return Status::InvalidArgument(std::string("faults: ") + field +
                                       " holds something other than hex member ids");
      }
      out->insert(raft::NodeId(id));
    }
    return Status::Ok();
  };
  auto millis = [&](const char* field, int64_t* out) -> Status {
    if (!json.contains(field)) return Status::Ok();
    if (!json[field].is_number_unsigned() || json[field].get<uint64_t>() > 600000) {
      return Status::InvalidArgument(std::string("faults: ") + field +
                                     " is not a number of milliseconds from 0 to 600000");
    }
    *out = json[field].get<int64_t>();
    return Status::Ok();
  };
  std::set<raft::NodeId> to, from;
  STRATA_RETURN_IF_ERROR(ids("blocked_to", &to));
  STRATA_RETURN_IF_ERROR(ids("blocked_from", &from));
  auto range = [&](const std::string& name, std::chrono::milliseconds* min,
                   std::chrono::milliseconds* max) -> Status {
    int64_t lo = 0, hi = 0;
    STRATA_RETURN_IF_ERROR(millis((name + "_min_ms").c_str(), &lo));
    STRATA_RETURN_IF_ERROR(millis((name + "_max_ms").c_str(), &hi));
    if (lo > hi) return Status::InvalidArgument("faults: " + name + "_min_ms is above _max_ms");
    *min = std::chrono::milliseconds(lo);
    *max = std::chrono::milliseconds(hi);
    return Status::Ok();
  };
  std::chrono::milliseconds delay_min, delay_max, stall_min, stall_max;
  STRATA_RETURN_IF_ERROR(range("delay", &delay_min, &delay_max));
  STRATA_RETURN_IF_ERROR(range("disk_stall", &stall_min, &stall_max));
  faults->set_blocked(std::move(to), std::move(from));
  faults->set_delay(delay_min, delay_max);
  faults->set_disk_stall(stall_min, stall_max);
  spdlog::warn(
      "fault injection: blocking {} peer(s) outgoing, {} incoming; incoming delay {}-{} ms; "
      "synced writes stalled {}-{} ms",
      faults->blocked_to().size(), faults->blocked_from().size(), delay_min.count(),
      delay_max.count(), stall_min.count(), stall_max.count());
  return Status::Ok();
}

}  // namespace

class StrataServer::Impl {
 public:
  explicit Impl(ServerConfig config) : cfg_(std::move(config)) {}
  ~Impl() { Stop(); }

  Status Start();
  void Stop();

 private:
  Status OpenStorage();
  Status LoadIdentity(bool* fresh);
  Status BootstrapMembers();
  void SyncTransportPeers();
  Status StartPeerServer();
  Status StartClientServer();
  Status StartHttpServer();
  void RefreshGauges();
  void PublishSelf();
  void WatchSpace();
  api::CorruptionChecker MakeCorruptionChecker();
  void CheckConsistency();
  void ServeHashCall(const std::string& payload, std::function<void(Result<std::string>)> reply);
  Result<kv::HashResult> PeerHash(uint64_t to, int64_t revision);

  ServerConfig cfg_;
  uint64_t member_id_ = 0;
  uint64_t cluster_id_ = 0;

  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<kv::MvccStore> store_;
  std::unique_ptr<kv::WatchHub> watch_hub_;  // After every watch stream is gone.
  std::unique_ptr<kv::AuthStore> auth_store_;
  std::unique_ptr<kv::AlarmStore> alarms_;
  std::unique_ptr<api::AuthTokens> auth_tokens_;
  std::unique_ptr<api::Authenticator> authenticator_;
  std::unique_ptr<kv::Applier> applier_;
  std::unique_ptr<api::Compactor> compactor_;
  std::unique_ptr<api::MemberRegistry> members_;
  std::unique_ptr<api::EtcdStateMachine> state_machine_;
  std::unique_ptr<node::GrpcTransport> transport_;
  // Only with --experimental-fault-injection: the switch and its decorators.
  std::unique_ptr<node::FaultSwitch> faults_;
  std::unique_ptr<node::FaultyTransport> faulty_transport_;
  std::unique_ptr<node::FaultySink> faulty_sink_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<node::SinkAdapter<node::Node>> sink_;
  std::unique_ptr<node::RaftTransportService> raft_service_;
  std::unique_ptr<api::Executor> executor_;
  std::unique_ptr<api::EtcdKv> kv_;
  std::unique_ptr<api::KvService> kv_service_;
  std::unique_ptr<api::ClusterService> cluster_service_;
  std::unique_ptr<api::MaintenanceService> maintenance_service_;
  std::unique_ptr<api::WatchService> watch_service_;
  std::unique_ptr<api::Lessor> lessor_;
  std::unique_ptr<api::LeaseService> lease_service_;
  std::unique_ptr<api::AuthService> auth_service_;
  std::unique_ptr<api::LockService> lock_service_;
  std::unique_ptr<api::ElectionService> election_service_;
  std::unique_ptr<grpc::Server> peer_server_;
  std::unique_ptr<grpc::Server> client_server_;
  std::unique_ptr<api::Metrics> metrics_;
  std::unique_ptr<MetricsObserver> observer_;
  std::unique_ptr<api::HttpServer> http_;

  std::mutex peers_mu_;  // Serializes transport peer-table updates.

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread publisher_;
  std::thread space_watcher_;        // WatchSpace().
  std::thread consistency_checker_;  // CheckConsistency(), with --corrupt-check-interval.
};

Status StrataServer::Impl::OpenStorage() {
  std::error_code ec;
  std::filesystem::create_directories(cfg_.data_dir, ec);
  if (ec) return Status::IOError("cannot create --data-dir " + cfg_.data_dir + ": " + ec.message());
  auto engine = storage::RocksEngine::Open(cfg_.data_dir + "/db");
  if (!engine.ok()) return engine.status();
  engine_ = std::move(*engine);
  kv::MvccOptions mvcc_options;
  mvcc_options.latest_cache_bytes = cfg_.latest_cache_bytes;
  auto store = kv::MvccStore::Open(engine_.get(), mvcc_options);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  watch_hub_ = std::make_unique<kv::WatchHub>(store_.get());
  kv::ApplierOptions applier_options;
  applier_options.compact_inline = false;  // The compactor drops history in the background.
  applier_ = std::make_unique<kv::Applier>(store_.get(), applier_options);
  STRATA_RETURN_IF_ERROR(applier_->LoadLeases());
  alarms_ = std::make_unique<kv::AlarmStore>();
  STRATA_RETURN_IF_ERROR(alarms_->Reload(*engine_));
  auth_store_ = std::make_unique<kv::AuthStore>();
  STRATA_RETURN_IF_ERROR(auth_store_->Reload(*engine_));
  auth_tokens_ = std::make_unique<api::AuthTokens>(std::chrono::seconds(cfg_.auth_token_ttl_s));
  authenticator_ = std::make_unique<api::Authenticator>(auth_store_.get(), auth_tokens_.get());
  compactor_ = std::make_unique<api::Compactor>(applier_.get(), store_.get());
  compactor_->kick();  // Finish a compaction a crash interrupted.
  auto members = api::MemberRegistry::Load(engine_.get());
  if (!members.ok()) return members.status();
  members_ = std::move(*members);
  return Status::Ok();
}

// A data directory remembers which member of which cluster it holds; on
// restart that wins over the bootstrap flags, as in etcd.
Status StrataServer::Impl::LoadIdentity(bool* fresh) {
  auto stored = engine_->Get(storage::ColumnFamily::kMeta, kIdentityKey);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    *fresh = true;
    member_id_ = cfg_.member_id;
    cluster_id_ = cfg_.cluster_id;
    if (member_id_ == 0) {
      return Status::FailedPrecondition(
          "this member (--initial-advertise-peer-urls) is not listed in "
          "--initial-cluster");
    }
    storage::WriteBatch batch;
    batch.Put(
        storage::ColumnFamily::kMeta, kIdentityKey,
        storage::EncodeFixed64BigEndian(member_id_) + storage::EncodeFixed64BigEndian(cluster_id_));
    return engine_->Write(batch, /*sync=*/true);
  }
  if ((*stored)->size() != 16) return Status::Corruption("stored server identity is malformed");
  *fresh = false;
  member_id_ = storage::DecodeFixed64BigEndian(**stored);
  cluster_id_ = storage::DecodeFixed64BigEndian(std::string_view(**stored).substr(8));
  return Status::Ok();
}

// Every founding member writes the same initial member list, derived from
// --initial-cluster, so their registries agree before the first entry.
Status StrataServer::Impl::BootstrapMembers() {
  std::vector<etcdserverpb::Member> initial;
  for (const InitialMember& im : cfg_.initial_cluster) {
    etcdserverpb::Member m;
    std::vector<std::string> urls = UrlStrings(im.peer_urls);
    m.set_id(EtcdMemberId(urls, cfg_.initial_cluster_token));
    m.set_name(im.name);
    for (auto& u : urls) m.add_peerurls(u);
    initial.push_back(std::move(m));
  }
  storage::WriteBatch batch;
  members_->stage_replace_all(initial, &batch);
  members_->stage_cluster_id(cluster_id_, &batch);
  STRATA_RETURN_IF_ERROR(engine_->Write(batch, /*sync=*/true));
  members_->replace_all_committed(initial);
  members_->cluster_id_committed(cluster_id_);
  return Status::Ok();
}

void StrataServer::Impl::SyncTransportPeers() {
  std::lock_guard lock(peers_mu_);
  std::map<raft::NodeId, std::string> wanted;
  for (const auto& m : members_->list()) {
    if (m.id() == member_id_) continue;
    std::string address = PeerAddress(m);
    if (!address.empty()) wanted[raft::NodeId(m.id())] = address;
  }
  // A joining member knows its peers only from --initial-cluster.
  if (wanted.empty()) {
    for (const InitialMember& im : cfg_.initial_cluster) {
      uint64_t id = EtcdMemberId(UrlStrings(im.peer_urls), cfg_.initial_cluster_token);
      if (id != member_id_ && !im.peer_urls.empty()) {
        wanted[raft::NodeId(id)] = im.peer_urls[0].HostPort();
      }
    }
  }
  auto current = transport_->metrics().peers;
  for (const auto& [id, peer] : current) {
    if (!wanted.contains(id)) (void)transport_->remove_peer(id);
  }
  for (const auto& [id, address] : wanted) {
    auto it = current.find(id);
    if (it == current.end()) {
      (void)transport_->add_peer(id, address);
    } else if (it->second.address != address) {
      (void)transport_->update_peer(id, address);
    }
  }
}

Status StrataServer::Impl::StartPeerServer() {
  grpc::ServerBuilder builder;
  auto credentials = ServerCredentialsFor(cfg_.peer_tls, "peer-");
  if (!credentials.ok()) return credentials.status();
  for (const Url& url : cfg_.listen_peer_urls)
    builder.AddListeningPort(url.HostPort(), *credentials);
  builder.SetMaxReceiveMessageSize(64 << 20);
  raft_service_->Register(&builder);
  peer_server_ = builder.BuildAndStart();
  if (!peer_server_) {
    return Status::Unavailable("cannot listen for peers on " + JoinUrls(cfg_.listen_peer_urls));
  }
  return Status::Ok();
}

Status StrataServer::Impl::StartClientServer() {
  grpc::ServerBuilder builder;
  auto credentials = ServerCredentialsFor(cfg_.client_tls, "");
  if (!credentials.ok()) return credentials.status();
  for (const Url& url : cfg_.listen_client_urls) {
    builder.AddListeningPort(url.HostPort(), *credentials);
  }
  builder.SetMaxReceiveMessageSize(static_cast<int>(cfg_.max_request_bytes) + kGrpcOverheadBytes);
  builder.SetMaxSendMessageSize(INT32_MAX);
  builder.RegisterService(kv_service_.get());
  builder.RegisterService(cluster_service_.get());
  builder.RegisterService(maintenance_service_.get());
  builder.RegisterService(watch_service_.get());
  builder.RegisterService(lease_service_.get());
  builder.RegisterService(auth_service_.get());
  builder.RegisterService(lock_service_.get());
  builder.RegisterService(election_service_.get());
  client_server_ = builder.BuildAndStart();
  if (!client_server_) {
    return Status::Unavailable("cannot listen for clients on " + JoinUrls(cfg_.listen_client_urls));
  }
  return Status::Ok();
}

// Gauges that are cheap to read but not worth updating on every write.
void StrataServer::Impl::RefreshGauges() {
  auto size = engine_->ApproximateSize();
  if (size.ok()) metrics_->db_total_size_bytes().Set(static_cast<double>(*size));
  kv::LatestCache::Stats cache = store_->latest_cache_stats();
  metrics_->set_latest_cache(cache.hits, cache.misses, cache.bytes);
}

Status StrataServer::Impl::StartHttpServer() {
  if (cfg_.listen_metrics_urls.empty()) return Status::Ok();
  if (cfg_.listen_metrics_urls[0].scheme == "https") {
    return Status::InvalidArgument(
        "--listen-metrics-urls: https is not supported for the metrics and health endpoints; "
        "use http");
  }
  api::HttpDeps deps;
  deps.metrics = metrics_.get();
  deps.kv = kv_.get();
  deps.authenticate = [this](const std::string& token) { return authenticator_->FromToken(token); };
  // The JSON gateway's other services go through this member's own gRPC
  // server, as etcd's grpc-gateway dials its own listener.
  deps.rpc_channel = client_server_->InProcessChannel(grpc::ChannelArguments());
  if (faults_) {
    deps.faults_state = [this] { return FaultsJson(*faults_); };
    deps.set_faults = [this](const std::string& body) { return SetFaults(body, faults_.get()); };
  }
  deps.before_scrape = [this] { RefreshGauges(); };
  deps.health = [this] {
    api::HealthState health;
    auto st = node_->status(kRange);
    health.has_leader = st.ok() && !st->soft_state.leader.none();
    for (const auto& [member, type] : alarms_->List()) {
      std::string name = etcdserverpb::AlarmType_Name(static_cast<etcdserverpb::AlarmType>(type));
      if (std::find(health.alarms.begin(), health.alarms.end(), name) == health.alarms.end()) {
        health.alarms.push_back(std::move(name));
      }
    }
    return health;
  };
  deps.cluster_nodes = [this] {
    std::vector<api::NodeInfo> nodes;
    auto st = node_->status(kRange);
    uint64_t leader = st.ok() ? st->soft_state.leader.value() : 0;
    for (const auto& m : members_->list()) {
      api::NodeInfo info;
      info.id = m.id();
      info.name = m.name();
      info.peer_urls.assign(m.peerurls().begin(), m.peerurls().end());
      info.client_urls.assign(m.clienturls().begin(), m.clienturls().end());
      info.is_learner = m.islearner();
      info.is_leader = m.id() == leader;
      if (m.id() == member_id_ && st.ok()) {
        info.raft_term = st->hard_state.term.value();
        info.applied_index = st->applied.value();
      }
      nodes.push_back(std::move(info));
    }
    return nodes;
  };
  deps.stats = [this] {
    api::MemberStats stats;
    stats.id = member_id_;
    stats.name = cfg_.name;
    auto st = node_->status(kRange);
    if (st.ok()) {
      stats.raft_term = st->hard_state.term.value();
      stats.commit_index = st->hard_state.commit.value();
      stats.applied_index = st->applied.value();
      stats.leader_id = st->soft_state.leader.value();
    }
    stats.revision = store_->CurrentRevision();
    auto size = engine_->ApproximateSize();
    if (size.ok()) {
      stats.db_size_bytes = static_cast<int64_t>(*size);
      metrics_->db_total_size_bytes().Set(static_cast<double>(*size));
    }
    return stats;
  };
  api::HttpOptions options;
  options.host = cfg_.listen_metrics_urls[0].host;
  options.port = cfg_.listen_metrics_urls[0].port;
  options.max_body_bytes = cfg_.max_request_bytes * 4 / 3 + kGrpcOverheadBytes;
  http_ = std::make_unique<api::HttpServer>(options, std::move(deps));
  return http_->Start();
}

// Every member watches its own space (quota and free disk) twice a second
// and raises NOSPACE through raft: its disk also fills with writes that
// other members took, which it never sees at the edge.
void StrataServer::Impl::WatchSpace() {
  for (;;) {
    std::chrono::milliseconds next = kv_->CheckSpace();
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, next, [this] { return stopping_; })) return;
  }
}

// The checker behind --corrupt-check-interval and --initial-corrupt-check:
// this member's hash against the other voters', asked through kHashCall.
api::CorruptionChecker StrataServer::Impl::MakeCorruptionChecker() {
  api::CorruptionCheckDeps deps;
  deps.self = member_id_;
  deps.hash = [this](int64_t revision) { return store_->HashByRev(revision); };
  deps.peers = [this] {
    std::vector<uint64_t> voters;
    for (const auto& m : members_->list()) {
      if (m.id() != member_id_ && !m.islearner()) voters.push_back(m.id());
    }
    return voters;
  };
  deps.peer_hash = [this](uint64_t to, int64_t revision) { return PeerHash(to, revision); };
  deps.raise_corrupt = [this](uint64_t member) {
    requestpb::InternalRequest raise;
    raise.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
    raise.mutable_alarm()->set_memberid(member);
    raise.mutable_alarm()->set_alarm(etcdserverpb::CORRUPT);
    raise.mutable_header()->set_internal(true);
    return node_->propose(kRange, raise.SerializeAsString()).get().status;
  };
  return api::CorruptionChecker(std::move(deps));
}

// With --corrupt-check-interval, the leader compares every voter's HashKV
// with its own that often, as etcd's --experimental-corrupt-check-time does.
void StrataServer::Impl::CheckConsistency() {
  api::CorruptionChecker checker = MakeCorruptionChecker();
  const auto interval = std::chrono::milliseconds(cfg_.corrupt_check_interval_ms);
  for (;;) {
    {
      std::unique_lock lock(stop_mu_);
      if (stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
    auto st = node_->status(kRange);
    if (!st.ok() || st->soft_state.leader.value() != member_id_) continue;
    if (alarms_->Raised(etcdserverpb::CORRUPT)) continue;  // Raised already; an operator decides.
    auto report = checker.CheckOnce();
    if (!report.ok()) {
      spdlog::warn("corruption check failed: {}", report.status().ToString());
      continue;
    }
    metrics_->corruption_checks().Increment();
    metrics_->corruption_mismatches().Increment(static_cast<double>(report->corrupt.size()));
    if (report->corrupt.empty()) {
      spdlog::info("corruption check at revision {}: {} members agree with the leader",
                   report->revision, report->peers_checked);
    }
  }
}

// A peer's kHashCall: hashing reads the whole history, so off the gRPC thread.
void StrataServer::Impl::ServeHashCall(const std::string& payload,
                                       std::function<void(Result<std::string>)> reply) {
  Result<int64_t> revision = api::DecodeHashCall(payload);
  if (!revision.ok()) return reply(revision.status());
  if (executor_ == nullptr) return reply(Status::Unavailable("member is starting"));
  executor_->submit([this, revision = *revision, reply = std::move(reply)] {
    Result<kv::HashResult> hash = store_->HashByRev(revision);
    if (!hash.ok()) return reply(hash.status());
    reply(api::EncodeHashReply(*hash));
  });
}

Result<kv::HashResult> StrataServer::Impl::PeerHash(uint64_t to, int64_t revision) {
  // Hashing a large history takes a while: as long as an election, at least.
  const auto timeout = std::max(std::chrono::milliseconds(10 * cfg_.election_timeout_ms),
                                std::chrono::milliseconds(cfg_.corrupt_check_interval_ms));
  auto answer = std::make_shared<std::promise<Result<std::string>>>();
  auto future = answer->get_future();
  transport_->call(raft::NodeId(to), api::kHashCall, api::EncodeHashCall(revision), timeout,
                   [answer](Result<std::string> r) { answer->set_value(std::move(r)); });
  const auto give_up = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(1);
  while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    std::lock_guard lock(stop_mu_);
    if (stopping_ || std::chrono::steady_clock::now() > give_up) {
      return Status::Cancelled("no HashKV answer from member " + FormatId(to));
    }
  }
  Result<std::string> payload = future.get();
  if (!payload.ok()) return payload.status();
  return api::DecodeHashReply(*payload);
}

// A member announces its name and client URLs through raft once it can,
// so every member lists them (etcd's publish).
void StrataServer::Impl::PublishSelf() {
  requestpb::InternalRequest request;
  auto* attrs = request.mutable_member_attributes();
  attrs->set_id(member_id_);
  attrs->set_publish(true);
  attrs->set_name(cfg_.name);
  for (const auto& u : UrlStrings(cfg_.advertise_client_urls)) attrs->add_client_urls(u);
  std::string command = request.SerializeAsString();
  for (;;) {
    auto current = members_->find(member_id_);
    bool published =
        current && current->name() == cfg_.name &&
        std::vector<std::string>(current->clienturls().begin(), current->clienturls().end()) ==
            std::vector<std::string>(attrs->client_urls().begin(), attrs->client_urls().end());
    if (published) return;
    if (current) {
      auto applied = node_->propose(kRange, command).get();
      if (applied.status.ok()) return;
      spdlog::debug("publishing member attributes failed: {}", applied.status.ToString());
    }
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) {
      return;
    }
  }
}

Status StrataServer::Impl::Start() {
  spdlog::set_level(SpdlogLevel(cfg_.log_level));
  // Warnings and errors reach the log at once (an operator, or a crash, needs them).
  spdlog::flush_on(spdlog::level::warn);
  STRATA_RETURN_IF_ERROR(OpenStorage());
  bool fresh = false;
  STRATA_RETURN_IF_ERROR(LoadIdentity(&fresh));
  raft::ConfState bootstrap;
  if (fresh && cfg_.initial_cluster_state == ClusterState::kNew) {
    STRATA_RETURN_IF_ERROR(BootstrapMembers());
    for (const auto& m : members_->list()) bootstrap.voters.push_back(raft::NodeId(m.id()));
  }
  if (!fresh && !members_->empty() && !members_->find(member_id_)) {
    return Status::FailedPrecondition("member " + FormatId(member_id_) +
                                      " was removed from the cluster; start it with a new "
                                      "--data-dir to rejoin");
  }

  state_machine_ =
      std::make_unique<api::EtcdStateMachine>(engine_.get(), applier_.get(), members_.get());
  state_machine_->set_watch_hub(watch_hub_.get());
  state_machine_->set_auth(auth_store_.get(), auth_tokens_.get());
  state_machine_->set_alarms(alarms_.get());

  node::GrpcTransportOptions transport_options;
  transport_options.id = raft::NodeId(member_id_);
  auto peer_credentials = PeerChannelCredentials(cfg_.peer_tls);
  if (!peer_credentials.ok()) return peer_credentials.status();
  transport_options.credentials = *peer_credentials;
  transport_ = std::make_unique<node::GrpcTransport>(transport_options);

  node::NodeOptions node_options;
  node_options.id = raft::NodeId(member_id_);
  node_options.tick_interval = std::chrono::milliseconds(cfg_.heartbeat_interval_ms);
  node_options.election_ticks =
      static_cast<int>(cfg_.election_timeout_ms / cfg_.heartbeat_interval_ms);
  node_options.heartbeat_ticks = 1;
  node_options.snapshot_count = cfg_.snapshot_count;
  node_options.catch_up_entries = std::min<uint64_t>(5000, cfg_.snapshot_count / 2 + 1);
  metrics_ = std::make_unique<api::Metrics>();
  observer_ = std::make_unique<MetricsObserver>(metrics_.get(), member_id_);
  node_options.observer = observer_.get();
  node::Transport* transport = transport_.get();
  if (cfg_.fault_injection) {
    spdlog::warn("fault injection is on: /debug/faults can cut this member off from its peers");
    faults_ = std::make_unique<node::FaultSwitch>();
    node_options.synced_write_stall = [faults = faults_.get()] { return faults->disk_stall(); };
    faulty_transport_ = std::make_unique<node::FaultyTransport>(transport_.get(), faults_.get());
    transport = faulty_transport_.get();
  }
  node_ = std::make_unique<node::Node>(node_options, engine_.get(), transport);
  STRATA_RETURN_IF_ERROR(node_->add_range(kRange, bootstrap, state_machine_.get()));

  SyncTransportPeers();
  state_machine_->set_on_members_changed([this] { SyncTransportPeers(); });
  state_machine_->set_on_compaction_pending([this] { compactor_->kick(); });

  api::LessorDeps lessor;
  lessor.node = node_.get();
  lessor.range = kRange;
  lessor.leases = &applier_->leases();
  lessor.self = raft::NodeId(member_id_);
  api::LessorOptions lessor_options;
  lessor_options.promote_extension = std::chrono::milliseconds(cfg_.election_timeout_ms);
  lessor.call_peer = [this, timeout = lessor_options.forward_timeout](
                         raft::NodeId to, std::string method, std::string payload,
                         std::function<void(Result<std::string>)> done) {
    transport_->call(to, std::move(method), std::move(payload), timeout, std::move(done));
  };
  lessor_ = std::make_unique<api::Lessor>(std::move(lessor), lessor_options);
  state_machine_->set_lessor(lessor_.get());

  sink_ = std::make_unique<node::SinkAdapter<node::Node>>(node_.get());
  node::MessageSink* sink = sink_.get();
  if (faults_) {
    faulty_transport_->set_sink(sink_.get());
    faulty_sink_ = std::make_unique<node::FaultySink>(sink_.get(), faults_.get());
    sink = faulty_sink_.get();
  }
  raft_service_ = std::make_unique<node::RaftTransportService>(raft::NodeId(member_id_), sink);
  raft_service_->set_call_handler([this](uint64_t, const std::string& method,
                                         const std::string& payload,
                                         std::function<void(Result<std::string>)> reply) {
    if (method.starts_with("lease/")) return lessor_->serve_peer_call(method, payload, reply);
    if (method == api::kHashCall) return ServeHashCall(payload, std::move(reply));
    reply(Status::InvalidArgument("unknown peer call " + method));
  });
  STRATA_RETURN_IF_ERROR(StartPeerServer());

  executor_ = std::make_unique<api::Executor>(2);
  api::KvLimits limits;
  limits.max_request_bytes = cfg_.max_request_bytes;
  limits.quota_backend_bytes = cfg_.quota_backend_bytes;
  limits.disk_reserve_bytes = cfg_.disk_reserve_bytes;
  limits.data_dir = cfg_.data_dir;
  kv_ = std::make_unique<api::EtcdKv>(node_.get(), kRange, applier_.get(), engine_.get(),
                                      executor_.get(), compactor_.get(), members_.get(),
                                      api::ServerIdentity{member_id_, cluster_id_}, limits);
  kv_->set_auth(auth_store_.get());
  kv_->set_alarms(alarms_.get());
  kv_service_ = std::make_unique<api::KvService>(kv_.get(), metrics_.get(), authenticator_.get());
  api::ClusterDeps cluster{
      node_.get(),
      kRange,
      members_.get(),
      kv_.get(),
      [token = cfg_.initial_cluster_token](const std::vector<std::string>& urls) {
        return EtcdMemberId(urls, token);
      },
      authenticator_.get()};
  cluster_service_ = std::make_unique<api::ClusterService>(std::move(cluster));
  api::MaintenanceDeps maintenance;
  maintenance.node = node_.get();
  maintenance.range = kRange;
  maintenance.engine = engine_.get();
  maintenance.store = store_.get();
  maintenance.state_machine = state_machine_.get();
  maintenance.kv = kv_.get();
  maintenance.executor = executor_.get();
  maintenance.member_id = member_id_;
  maintenance.auth = authenticator_.get();
  maintenance.alarms = alarms_.get();
  maintenance.version = std::string(kEtcdApiVersion);
  maintenance_service_ = std::make_unique<api::MaintenanceService>(std::move(maintenance));
  api::WatchServiceDeps watch;
  watch.hub = watch_hub_.get();
  watch.fill_header = [this](etcdserverpb::ResponseHeader* h) { kv_->FillHeader(h); };
  watch.has_leader = [this] {
    auto st = node_->status(kRange);
    return st.ok() && !st->soft_state.leader.none();
  };
  watch.leader_check_interval = std::chrono::milliseconds(cfg_.election_timeout_ms);
  watch.max_response_bytes = cfg_.max_request_bytes;
  watch.metrics = metrics_.get();
  watch.auth = authenticator_.get();
  watch_service_ = std::make_unique<api::WatchService>(std::move(watch));
  api::LeaseServiceDeps lease;
  lease.node = node_.get();
  lease.range = kRange;
  lease.lessor = lessor_.get();
  lease.leases = &applier_->leases();
  lease.member_id = member_id_;
  lease.min_ttl_seconds =
      api::LeaseService::MinTtlSeconds(std::chrono::milliseconds(cfg_.election_timeout_ms));
  lease.fill_header = [this](etcdserverpb::ResponseHeader* h) { kv_->FillHeader(h); };
  lease.current_revision = [this] { return store_->CurrentRevision(); };
  lease.check_quota = [this] { return kv_->CheckQuota(); };
  lease.auth = authenticator_.get();
  lease.permitted = [this](const api::Caller& caller, const requestpb::InternalRequest& request) {
    return kv_->CheckPermitted(caller, request);
  };
  lease_service_ = std::make_unique<api::LeaseService>(std::move(lease));
  api::AuthServiceDeps auth;
  auth.node = node_.get();
  auth.range = kRange;
  auth.auth = authenticator_.get();
  auth.executor = executor_.get();
  auth.fill_header = [this](etcdserverpb::ResponseHeader* h) {
    kv_->FillHeader(h);
    h->set_revision(store_->CurrentRevision());
  };
  auth_service_ = std::make_unique<api::AuthService>(std::move(auth));
  api::ConcurrencyDeps concurrency;
  concurrency.kv = kv_.get();
  concurrency.hub = watch_hub_.get();
  concurrency.fill_header = [this](etcdserverpb::ResponseHeader* h) { kv_->FillHeader(h); };
  concurrency.has_leader = [this] {
    auto st = node_->status(kRange);
    return st.ok() && !st->soft_state.leader.none();
  };
  concurrency.grant_lease = [this](int64_t ttl_seconds, api::Done<int64_t> done) {
    lease_service_->GrantSessionLease(ttl_seconds, std::move(done));
  };
  concurrency.authenticate = [this](const grpc::ServerContextBase& context) {
    return authenticator_->FromGrpc(context);
  };
  lock_service_ = std::make_unique<api::LockService>(concurrency);
  election_service_ = std::make_unique<api::ElectionService>(std::move(concurrency));

  STRATA_RETURN_IF_ERROR(transport_->start(sink_.get()));
  STRATA_RETURN_IF_ERROR(node_->start());
  if (cfg_.initial_corrupt_check) {
    STRATA_RETURN_IF_ERROR(MakeCorruptionChecker().CheckSelfAgainstPeers());
  }
  lessor_->start();
  STRATA_RETURN_IF_ERROR(StartClientServer());
  STRATA_RETURN_IF_ERROR(StartHttpServer());
  publisher_ = std::thread([this] { PublishSelf(); });
  space_watcher_ = std::thread([this] { WatchSpace(); });
  if (cfg_.corrupt_check_interval_ms > 0) {
    consistency_checker_ = std::thread([this] { CheckConsistency(); });
  }
  spdlog::info("strata-server {} member {} (cluster {}) serving clients on {}, peers on {}",
               kStrataVersion, FormatId(member_id_), FormatId(cluster_id_),
               JoinUrls(cfg_.listen_client_urls), JoinUrls(cfg_.listen_peer_urls));
  return Status::Ok();
}

void StrataServer::Impl::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (faulty_sink_) faulty_sink_->stop();  // Its delay thread delivers to the node.
  if (space_watcher_.joinable()) space_watcher_.join();
  auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(2);
  if (http_) http_->Stop();
  if (client_server_) client_server_->Shutdown(deadline);
  if (node_) node_->stop();
  if (publisher_.joinable()) publisher_.join();
  if (consistency_checker_.joinable()) consistency_checker_.join();  // Its proposal ended.
  if (raft_service_) raft_service_->stop_delivery();
  if (peer_server_) peer_server_->Shutdown(deadline);
  if (transport_) transport_->stop();
  executor_.reset();
  compactor_.reset();
  watch_service_.reset();
  lock_service_.reset();  // Their waits ended with the client server.
  election_service_.reset();
  watch_hub_.reset();  // Every watch stream ended with the client server.
  lease_service_.reset();
  lessor_.reset();
  auth_service_.reset();
  if (engine_) {
    Status s = engine_->Close();
    if (!s.ok()) spdlog::error("closing storage: {}", s.ToString());
  }
}

StrataServer::StrataServer(ServerConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}
StrataServer::~StrataServer() = default;
Status StrataServer::Start() { return impl_->Start(); }
void StrataServer::Stop() { impl_->Stop(); }

}  // namespace strata::server
