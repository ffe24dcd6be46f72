// Locks and elections on a real 3-member Strata cluster.
//
// Debian's etcdctl 3.4 runs `lock` and `elect` in its own client library
// (clientv3/concurrency over KV, Lease and Watch), so those tests check that
// Strata serves that library as etcd does. The gRPC tests then call the
// server-side v3lock and v3election services, which other clients use.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

constexpr auto kWait = std::chrono::seconds(30);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// A process in the background (its own process group), stdout and stderr
// in files. Killed with its children when destroyed.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::string& path) : path_(path) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      int in = open("/dev/null", O_RDONLY);
      int out = open((path + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open((path + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  std::string Out() const { return ReadFile(path_ + ".out"); }
  std::string Err() const { return ReadFile(path_ + ".err"); }
  // Waits until stdout contains text.
  bool WaitOut(const std::string& text) const {
    return WaitFor([&] { return Out().find(text) != std::string::npos; }, kWait);
  }
  // Sends sig to the process alone (not its children).
  void Signal(int sig) const { kill(pid_, sig); }
  // Waits for the exit; its code, or -1 on a signal or timeout.
  int WaitExit() {
    int status = 0;
    bool exited = WaitFor(
        [&] {
          if (pid_ <= 0) return true;
          if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
          pid_ = -1;
          return true;
        },
        kWait);
    if (!exited) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string path_;
  pid_t pid_ = -1;
};

// ctest runs this binary twice: plain, and with STRATA_LOCK_TEST_TLS=1 for a
// cluster whose clients and peers use TLS.
bool TlsRun() {
  const char* tls = std::getenv("STRATA_LOCK_TEST_TLS");
  return tls != nullptr && std::string(tls) == "1";
}

class LockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new Cluster(3, TlsRun());
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->LogTail(0);
    ASSERT_GE(cluster_->WaitLeader(), 0);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  // etcdctl against member i, in the background.
  std::unique_ptr<Background> Ctl(int member, const std::vector<std::string>& args) {
    std::vector<std::string> argv = cluster_->EtcdctlArgv(args, {member});
    std::string path = cluster_->dir() + "/ctl" + std::to_string(next_++);
    return std::make_unique<Background>(argv, path);
  }
  // The keys under prefix, oldest first, as (key, lease) pairs.
  static std::vector<std::pair<std::string, int64_t>> Keys(const std::string& prefix) {
    auto r = cluster_->Etcdctl({"get", prefix, "--prefix", "--sort-by=CREATE", "-w", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::pair<std::string, int64_t>> keys;
    auto json = nlohmann::json::parse(r.out, nullptr, false);
    if (!json.is_object() || !json.contains("kvs")) return keys;
    for (const auto& kv : json["kvs"]) {
      keys.emplace_back(Base64Decode(kv["key"].get<std::string>()),
                        kv.contains("lease") ? kv["lease"].get<int64_t>() : 0);
    }
    return keys;
  }
  static bool WaitKeys(const std::string& prefix, size_t count) {
    return WaitFor([&] { return Keys(prefix).size() == count; }, kWait);
  }
  // Revokes a lease as its expiry would (etcdctl takes hex ids).
  static void Revoke(int64_t lease) {
    std::stringstream hex;
    hex << std::hex << lease;
    auto r = cluster_->Etcdctl({"lease", "revoke", hex.str()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string Base64Decode(const std::string& in) {
    static const std::string chars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int bits = 0, value = 0;
    for (char c : in) {
      size_t pos = chars.find(c);
      if (pos == std::string::npos) break;
      value = (value << 6) | static_cast<int>(pos);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>((value >> bits) & 0xff);
      }
    }
    return out;
  }

  static Cluster* cluster_;
  static int next_;
};

Cluster* LockTest::cluster_ = nullptr;
int LockTest::next_ = 0;

// The first line of a lock or elect command's output: the key it holds.
std::string FirstLine(const std::string& out) { return out.substr(0, out.find('\n')); }

TEST_F(LockTest, SecondLockWaitsUntilTheHoldersLeaseIsRevoked) {
  auto first = Ctl(0, {"lock", "--ttl=10", "it-lock-a"});
  ASSERT_TRUE(first->WaitOut("it-lock-a/")) << first->Err();
  auto second = Ctl(1, {"lock", "--ttl=10", "it-lock-a"});
  ASSERT_TRUE(WaitKeys("it-lock-a/", 2));
  auto keys = Keys("it-lock-a/");
  EXPECT_EQ(keys[0].first, FirstLine(first->Out()));
  EXPECT_EQ(second->Out(), "") << "the second contender got the lock while the first held it";

  Revoke(keys[0].second);
  ASSERT_TRUE(second->WaitOut("it-lock-a/")) << second->Err();
  EXPECT_EQ(FirstLine(second->Out()), keys[1].first);
  // The first holder notices that its session ended.
  EXPECT_NE(first->WaitExit(), 0);
  EXPECT_NE(first->Err().find("session expired"), std::string::npos) << first->Err();

  second->Signal(SIGTERM);  // Unlocks and exits.
  EXPECT_EQ(second->WaitExit(), 0) << second->Err();
  EXPECT_TRUE(Keys("it-lock-a/").empty());
}

TEST_F(LockTest, KilledHolderReleasesTheLockWhenItsLeaseExpires) {
  auto first = Ctl(0, {"lock", "--ttl=2", "it-lock-b"});
  ASSERT_TRUE(first->WaitOut("it-lock-b/")) << first->Err();
  auto second = Ctl(2, {"lock", "--ttl=2", "it-lock-b"});
  ASSERT_TRUE(WaitKeys("it-lock-b/", 2));
  std::string second_key = Keys("it-lock-b/")[1].first;
  EXPECT_EQ(second->Out(), "");

  first->Signal(SIGKILL);  // No unlock: only the lease's expiry frees the lock.
  EXPECT_EQ(first->WaitExit(), -1);
  ASSERT_TRUE(second->WaitOut("it-lock-b/")) << second->Err();
  EXPECT_EQ(FirstLine(second->Out()), second_key);
  auto keys = Keys("it-lock-b/");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].first, second_key);
  second->Signal(SIGTERM);
  EXPECT_EQ(second->WaitExit(), 0) << second->Err();
}

TEST_F(LockTest, RunsACommandUnderTheLock) {
  auto holder = Ctl(0, {"lock", "it-lock-c"});
  ASSERT_TRUE(holder->WaitOut("it-lock-c/")) << holder->Err();
  // The command prints its lock's key and revision, then every key under the
  // lock's prefix: while it runs, its own key is the only one.
  std::string script = "echo \"key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV\";";
  for (const std::string& arg :
       cluster_->EtcdctlArgv({"get", "it-lock-c/", "--prefix", "--keys-only"}, {2})) {
    script += " " + arg;
  }
  auto worker = Ctl(1, {"lock", "it-lock-c", "--", "sh", "-c", script});
  ASSERT_TRUE(WaitKeys("it-lock-c/", 2));
  std::string worker_key = Keys("it-lock-c/")[1].first;
  EXPECT_EQ(worker->Out(), "") << "the command ran while another process held the lock";

  holder->Signal(SIGTERM);
  EXPECT_EQ(holder->WaitExit(), 0) << holder->Err();
  EXPECT_EQ(worker->WaitExit(), 0) << worker->Err();
  std::string out = worker->Out();
  EXPECT_EQ(out.find("key=" + worker_key + " rev="), 0u) << out;
  EXPECT_NE(out.find("\n" + worker_key + "\n\n"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_TRUE(Keys("it-lock-c/").empty()) << "the lock was not released after the command";
}

TEST_F(LockTest, ElectionHandsOverOnResignAndDeathAndObserverFollows) {
  auto observer = Ctl(2, {"elect", "-l", "it-elect"});
  auto alpha = Ctl(0, {"elect", "it-elect", "alpha"});
  ASSERT_TRUE(alpha->WaitOut("\nalpha\n")) << alpha->Err();
  std::string alpha_key = FirstLine(alpha->Out());
  EXPECT_EQ(alpha->Out(), alpha_key + "\nalpha\n");
  ASSERT_TRUE(observer->WaitOut(alpha_key + "\nalpha\n")) << observer->Err();

  auto beta = Ctl(1, {"elect", "it-elect", "beta"});
  ASSERT_TRUE(WaitKeys("it-elect/", 2));
  EXPECT_EQ(beta->Out(), "") << "two leaders at once";
  alpha->Signal(SIGTERM);  // Resigns.
  EXPECT_EQ(alpha->WaitExit(), 0) << alpha->Err();
  ASSERT_TRUE(beta->WaitOut("\nbeta\n")) << beta->Err();
  std::string beta_key = FirstLine(beta->Out());
  ASSERT_TRUE(observer->WaitOut(beta_key + "\nbeta\n")) << observer->Out();

  auto gamma = Ctl(0, {"elect", "it-elect", "gamma"});
  ASSERT_TRUE(WaitKeys("it-elect/", 2));
  int64_t beta_lease = Keys("it-elect/")[0].second;
  beta->Signal(SIGKILL);  // Dies; its 60 s session lease would expire: end it now.
  EXPECT_EQ(beta->WaitExit(), -1);
  EXPECT_EQ(gamma->Out(), "");
  Revoke(beta_lease);
  ASSERT_TRUE(gamma->WaitOut("\ngamma\n")) << gamma->Err();
  std::string gamma_key = FirstLine(gamma->Out());
  ASSERT_TRUE(observer->WaitOut(gamma_key + "\ngamma\n")) << observer->Out();
  EXPECT_EQ(observer->Out(),
            alpha_key + "\nalpha\n" + beta_key + "\nbeta\n" + gamma_key + "\ngamma\n");

  gamma->Signal(SIGTERM);
  EXPECT_EQ(gamma->WaitExit(), 0) << gamma->Err();
  observer->Signal(SIGTERM);
  EXPECT_EQ(observer->WaitExit(), 0) << observer->Err();
  EXPECT_TRUE(Keys("it-elect/").empty());
}

// --- The server-side services, over gRPC -----------------------------------

class ServiceTest : public LockTest {
 protected:
  struct Member {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v3lockpb::Lock::Stub> lock;
    std::unique_ptr<v3electionpb::Election::Stub> election;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  };
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      Member m;
      m.channel = grpc::CreateChannel(cluster_->member(i).client_endpoint(), Credentials());
      m.lock = v3lockpb::Lock::NewStub(m.channel);
      m.election = v3electionpb::Election::NewStub(m.channel);
      m.lease = etcdserverpb::Lease::NewStub(m.channel);
      members_.push_back(std::move(m));
    }
  }
  // The client certificate for a TLS run.
  static std::shared_ptr<grpc::ChannelCredentials> Credentials() {
    if (!TlsRun()) return grpc::InsecureChannelCredentials();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(cluster_->dir() + "/ca.pem");
    ssl.pem_cert_chain = ReadFile(cluster_->dir() + "/client.pem");
    ssl.pem_private_key = ReadFile(cluster_->dir() + "/client-key.pem");
    return grpc::SslCredentials(ssl);
  }
  static void Deadline(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + kWait);
  }
  int64_t Grant(int member, int64_t ttl = 30) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    etcdserverpb::LeaseGrantRequest request;
    request.set_ttl(ttl);
    etcdserverpb::LeaseGrantResponse response;
    grpc::Status s = members_[member].lease->LeaseGrant(&ctx, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.id();
  }

  struct PendingLock {
    grpc::ClientContext ctx;
    v3lockpb::LockRequest request;
    v3lockpb::LockResponse response;
    std::promise<grpc::Status> status;
    std::future<grpc::Status> done = status.get_future();
    bool Finished() { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  };
  std::unique_ptr<PendingLock> StartLock(int member, const std::string& name, int64_t lease) {
    auto p = std::make_unique<PendingLock>();
    Deadline(&p->ctx);
    p->request.set_name(name);
    p->request.set_lease(lease);
    members_[member].lock->async()->Lock(
        &p->ctx, &p->request, &p->response,
        [raw = p.get()](grpc::Status s) { raw->status.set_value(s); });
    return p;
  }
  grpc::Status Unlock(int member, const std::string& key) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v3lockpb::UnlockRequest request;
    request.set_key(key);
    v3lockpb::UnlockResponse response;
    return members_[member].lock->Unlock(&ctx, request, &response);
  }

  std::vector<Member> members_;
};

TEST_F(ServiceTest, LockAcrossMembersOrdersHoldersAndGrowsTheFencingToken) {
  int64_t a = Grant(0), b = Grant(1);
  auto first = StartLock(0, "svc-lock", a);
  ASSERT_TRUE(first->done.get().ok());
  std::stringstream hex;
  hex << "svc-lock/" << std::hex << a;
  EXPECT_EQ(first->response.key(), hex.str());

  auto second = StartLock(1, "svc-lock", b);
  ASSERT_TRUE(WaitKeys("svc-lock/", 2));
  EXPECT_FALSE(second->Finished());
  grpc::Status unlocked = Unlock(2, first->response.key());
  ASSERT_TRUE(unlocked.ok()) << unlocked.error_message();
  grpc::Status s = second->done.get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto keys = Keys("svc-lock/");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].first, second->response.key());
  EXPECT_EQ(keys[0].second, b);
  // The holder's key was created after the first holder's answer.
  EXPECT_GT(second->response.header().revision(), first->response.header().revision());
  EXPECT_NE(second->response.header().member_id(), 0u);
  ASSERT_TRUE(Unlock(0, second->response.key()).ok());
}

TEST_F(ServiceTest, LockFailsForAnUnknownOrRevokedLeaseAndCancelLeavesNoKey) {
  auto unknown = StartLock(0, "svc-fail", 0x7777);
  grpc::Status s = unknown->done.get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");

  int64_t a = Grant(0), b = Grant(1), c = Grant(2);
  auto holder = StartLock(0, "svc-fail", a);
  ASSERT_TRUE(holder->done.get().ok());
  auto expiring = StartLock(1, "svc-fail", b);
  auto cancelled = StartLock(2, "svc-fail", c);
  ASSERT_TRUE(WaitKeys("svc-fail/", 3));
  Revoke(b);
  s = expiring->done.get();
  EXPECT_EQ(s.error_message(), "mutex: session is expired");
  cancelled->ctx.TryCancel();
  EXPECT_EQ(cancelled->done.get().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitKeys("svc-fail/", 1));
  EXPECT_EQ(Keys("svc-fail/")[0].first, holder->response.key());
  ASSERT_TRUE(Unlock(0, holder->response.key()).ok());
}

TEST_F(ServiceTest, CampaignProclaimObserveResign) {
  int64_t a = Grant(0), b = Grant(1);
  grpc::ClientContext observe_ctx;
  Deadline(&observe_ctx);
  v3electionpb::LeaderRequest name;
  name.set_name("svc-elect");
  auto reader = members_[2].election->Observe(&observe_ctx, name);

  grpc::ClientContext leader_ctx;
  Deadline(&leader_ctx);
  v3electionpb::LeaderResponse leader;
  grpc::Status s = members_[1].election->Leader(&leader_ctx, name, &leader);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "election: no leader");

  grpc::ClientContext campaign_ctx;
  Deadline(&campaign_ctx);
  v3electionpb::CampaignRequest campaign;
  campaign.set_name("svc-elect");
  campaign.set_lease(a);
  campaign.set_value("alpha");
  v3electionpb::CampaignResponse won;
  s = members_[0].election->Campaign(&campaign_ctx, campaign, &won);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(won.leader().name(), "svc-elect");
  EXPECT_EQ(won.leader().lease(), a);
  v3electionpb::LeaderResponse seen;
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().value(), "alpha");
  EXPECT_EQ(seen.kv().create_revision(), won.leader().rev());

  grpc::ClientContext proclaim_ctx;
  Deadline(&proclaim_ctx);
  v3electionpb::ProclaimRequest proclaim;
  *proclaim.mutable_leader() = won.leader();
  proclaim.set_value("alpha2");
  v3electionpb::ProclaimResponse proclaimed;
  s = members_[1].election->Proclaim(&proclaim_ctx, proclaim, &proclaimed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().value(), "alpha2");

  // A second candidate waits; the first resigns; the observer sees it.
  grpc::ClientContext second_ctx;
  Deadline(&second_ctx);
  campaign.set_lease(b);
  campaign.set_value("beta");
  v3electionpb::CampaignResponse second;
  std::promise<grpc::Status> second_done;
  members_[1].election->async()->Campaign(&second_ctx, &campaign, &second,
                                          [&](grpc::Status st) { second_done.set_value(st); });
  ASSERT_TRUE(WaitKeys("svc-elect/", 2));
  grpc::ClientContext resign_ctx;
  Deadline(&resign_ctx);
  v3electionpb::ResignRequest resign;
  *resign.mutable_leader() = won.leader();
  v3electionpb::ResignResponse resigned;
  s = members_[2].election->Resign(&resign_ctx, resign, &resigned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = second_done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().key(), second.leader().key());
  EXPECT_EQ(seen.kv().value(), "beta");

  // The old leader key no longer proclaims.
  grpc::ClientContext stale_ctx;
  Deadline(&stale_ctx);
  s = members_[0].election->Proclaim(&stale_ctx, proclaim, &proclaimed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "election: not leader");

  observe_ctx.TryCancel();
  while (reader->Read(&seen)) {
  }
  (void)reader->Finish();
  Revoke(b);
  EXPECT_TRUE(Keys("svc-elect/").empty());
}

// A member stops cleanly (exit 0: the watch hub outlives every wait) while
// a Lock and an Observe wait on it.
// With auth on, the services act with the caller's permissions: a user may
// lock and campaign only under names whose keys its roles may write.
TEST_F(ServiceTest, LockAndElectionCheckTheCallersPermissions) {
  auto ctl = [](const std::vector<std::string>& args) {
    CommandResult r = cluster_->Etcdctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0;
  };
  ASSERT_TRUE(ctl({"user", "add", "root", "--new-user-password=rootpw"}));
  ASSERT_TRUE(ctl({"user", "grant-role", "root", "root"}));
  ASSERT_TRUE(ctl({"role", "add", "locker"}));
  ASSERT_TRUE(ctl({"role", "grant-permission", "locker", "readwrite", "mine/", "--prefix=true"}));
  ASSERT_TRUE(ctl({"user", "add", "carol", "--new-user-password=carolpw"}));
  ASSERT_TRUE(ctl({"user", "grant-role", "carol", "locker"}));
  ASSERT_TRUE(ctl({"auth", "enable"}));
  // The suite's other tests run without auth: switch it off whatever happens.
  struct DisableAuth {
    ~DisableAuth() { (void)cluster_->Etcdctl({"--user=root:rootpw", "auth", "disable"}); }
  } disable_auth;

  auto auth = etcdserverpb::Auth::NewStub(members_[0].channel);
  etcdserverpb::AuthenticateRequest login;
  login.set_name("carol");
  login.set_password("carolpw");
  etcdserverpb::AuthenticateResponse token;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = auth->Authenticate(&ctx, login, &token);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  auto lock = [&](const std::string& name, const std::string& with_token,
                  v3lockpb::LockResponse* response) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    if (!with_token.empty()) ctx.AddMetadata("token", with_token);
    v3lockpb::LockRequest request;
    request.set_name(name);
    return members_[0].lock->Lock(&ctx, request, response);
  };
  v3lockpb::LockResponse held;
  grpc::Status mine = lock("mine", token.token(), &held);
  ASSERT_TRUE(mine.ok()) << mine.error_message();
  EXPECT_EQ(held.key().rfind("mine/", 0), 0u) << held.key();

  v3lockpb::LockResponse refused;
  grpc::Status theirs = lock("theirs", token.token(), &refused);
  EXPECT_FALSE(theirs.ok());
  EXPECT_EQ(theirs.error_message(), "etcdserver: permission denied");
  grpc::Status forged = lock("mine", "not-a-token", &refused);
  EXPECT_FALSE(forged.ok());
  EXPECT_EQ(forged.error_message(), "etcdserver: invalid auth token");

  grpc::ClientContext campaign_ctx;
  Deadline(&campaign_ctx);
  campaign_ctx.AddMetadata("token", token.token());
  v3electionpb::CampaignRequest campaign;
  campaign.set_name("theirs-election");
  campaign.set_value("carol");
  v3electionpb::CampaignResponse campaigned;
  grpc::Status denied = members_[0].election->Campaign(&campaign_ctx, campaign, &campaigned);
  EXPECT_EQ(denied.error_message(), "etcdserver: permission denied");

  grpc::ClientContext unlock_ctx;
  Deadline(&unlock_ctx);
  unlock_ctx.AddMetadata("token", token.token());
  v3lockpb::UnlockRequest unlock;
  unlock.set_key(held.key());
  v3lockpb::UnlockResponse unlocked;
  grpc::Status released = members_[0].lock->Unlock(&unlock_ctx, unlock, &unlocked);
  EXPECT_TRUE(released.ok()) << released.error_message();
  ASSERT_TRUE(ctl({"--user=root:rootpw", "auth", "disable"}));
  EXPECT_TRUE(Keys("theirs/").empty()) << "a refused lock left its key";
  EXPECT_TRUE(Keys("mine/").empty()) << "Unlock left the key";
}

TEST(LockShutdownTest, MemberStopsWhileCallsWait) {
  char tmpl[] = "/tmp/strata-lock-stop-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  int client = FreePort(), peer = FreePort(), metrics = FreePort();
  std::string client_url = "http://127.0.0.1:" + std::to_string(client);
  std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
  Background server(
      {ServerBinary(), "--name=solo", "--data-dir=" + dir + "/data",
       "--listen-client-urls=" + client_url, "--advertise-client-urls=" + client_url,
       "--listen-peer-urls=" + peer_url, "--initial-advertise-peer-urls=" + peer_url,
       "--listen-metrics-urls=http://127.0.0.1:" + std::to_string(metrics),
       "--initial-cluster=solo=" + peer_url, "--heartbeat-interval=50", "--election-timeout=500"},
      dir + "/server");
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(client),
                                     grpc::InsecureChannelCredentials());
  auto leases = etcdserverpb::Lease::NewStub(channel);
  auto locks = v3lockpb::Lock::NewStub(channel);
  auto elections = v3electionpb::Election::NewStub(channel);
  std::vector<int64_t> ids;
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
        etcdserverpb::LeaseGrantRequest request;
        request.set_ttl(60);
        etcdserverpb::LeaseGrantResponse response;
        if (!leases->LeaseGrant(&ctx, request, &response).ok()) return false;
        ids.push_back(response.id());
        return ids.size() == 2;
      },
      kWait))
      << server.Err();

  auto lock = [&](int64_t lease, grpc::ClientContext* ctx, v3lockpb::LockResponse* out) {
    ctx->set_deadline(std::chrono::system_clock::now() + kWait);
    v3lockpb::LockRequest request;
    request.set_name("stop");
    request.set_lease(lease);
    return locks->Lock(ctx, request, out);
  };
  grpc::ClientContext holder_ctx;
  v3lockpb::LockResponse held;
  ASSERT_TRUE(lock(ids[0], &holder_ctx, &held).ok());
  grpc::ClientContext waiter_ctx;
  v3lockpb::LockResponse waited;
  std::promise<grpc::Status> waiter_done;
  v3lockpb::LockRequest waiter_request;
  waiter_request.set_name("stop");
  waiter_request.set_lease(ids[1]);
  waiter_ctx.set_deadline(std::chrono::system_clock::now() + kWait);
  locks->async()->Lock(&waiter_ctx, &waiter_request, &waited,
                       [&](grpc::Status s) { waiter_done.set_value(s); });
  grpc::ClientContext observe_ctx;
  observe_ctx.set_deadline(std::chrono::system_clock::now() + kWait);
  v3electionpb::LeaderRequest name;
  name.set_name("nobody");
  auto reader = elections->Observe(&observe_ctx, name);
  // The waiter's key exists: it is waiting.
  ASSERT_TRUE(WaitFor([&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    etcdserverpb::RangeRequest range;
    range.set_key("stop/");
    range.set_range_end("stop0");
    range.set_count_only(true);
    etcdserverpb::RangeResponse response;
    auto kv = etcdserverpb::KV::NewStub(channel);
    return kv->Range(&ctx, range, &response).ok() && response.count() == 2;
  }));

  server.Signal(SIGTERM);
  EXPECT_EQ(server.WaitExit(), 0) << server.Err();
  EXPECT_FALSE(waiter_done.get_future().get().ok());
  v3electionpb::LeaderResponse ignored;
  EXPECT_FALSE(reader->Read(&ignored));
  (void)reader->Finish();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace strata::testing
