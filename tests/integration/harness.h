// A test harness that runs real strata-server processes on 127.0.0.1 and
// drives them with Debian's etcdctl (ETCDCTL_API=3).
//
// Every wait has a generous deadline and polls a condition; nothing sleeps
// for a fixed time to synchronise. Processes are killed when the harness is
// destroyed, and data lives in a temporary directory that is removed.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace strata::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (no shell), feeding `input` to stdin. Gives up after `timeout`.
CommandResult Run(const std::vector<std::string>& argv, const std::string& input = "",
                  std::chrono::seconds timeout = std::chrono::seconds(60));

// A command running in the background (e.g. `etcdctl watch`), its stdout
// and stderr collected into a file. Killed (SIGKILL) when destroyed.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  // Everything it printed so far.
  std::string output() const;
  // Waits until its output contains `text` (true) or timeout passes.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // True while the process runs.
  bool Running();

 private:
  pid_t pid_ = -1;
  std::string path_;
};

// A free TCP port on 127.0.0.1 (the kernel's choice; released at once), never
// the same one twice in a process.
int FreePort();

// Polls pred every 20 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& pred,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

struct Member {
  std::string name;
  int client_port = 0;
  int peer_port = 0;
  int metrics_port = 0;
  std::string data_dir;
  pid_t pid = -1;
  std::string log_path;
  bool tls = false;
  std::string client_endpoint() const { return "127.0.0.1:" + std::to_string(client_port); }
  std::string client_url() const { return (tls ? "https://" : "http://") + client_endpoint(); }
  std::string peer_url() const {
    return (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(peer_port);
  }
};

class Cluster {
 public:
  // Allocates ports and directories for `size` members (not started). With
  // tls, members serve clients and peers over TLS with throwaway
  // certificates (made with openssl; client certificates required), and
  // Etcdctl() presents the client certificate.
  explicit Cluster(int size, bool tls = false);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Starts every member as a new cluster and waits until all are healthy.
  bool StartAll();
  // Starts (or restarts) member i with its existing data directory.
  // extra_flags are appended to the command line.
  bool Start(int i, const std::vector<std::string>& extra_flags = {});
  // SIGKILL (hard = true) or SIGTERM and wait for exit.
  void Stop(int i, bool hard = false);
  bool Running(int i) const { return members_.at(i).pid > 0; }
  // SIGSTOP / SIGCONT.
  void Pause(int i);
  void Resume(int i);

  // Adds an unstarted member slot (for MemberAdd tests); returns its index.
  int AddSlot();

  // Members started from now on get SIGKILL when the thread that started
  // them exits (PR_SET_PDEATHSIG), so a crashed driver leaves no servers
  // behind. REQUIRES: that thread outlives the members. Default: off.
  void set_members_die_with_starter(bool on) { die_with_starter_ = on; }

  // True when /health answers 200 for member i.
  bool Healthy(int i) const;
  bool WaitHealthy(int i, std::chrono::seconds timeout = std::chrono::seconds(30)) const;
  // Index of the member that reports itself leader, or -1.
  int Leader() const;
  int WaitLeader(std::chrono::seconds timeout = std::chrono::seconds(30)) const;

  // etcdctl against the given members (default: every running member).
  CommandResult Etcdctl(const std::vector<std::string>& args, const std::string& input = "",
                        std::vector<int> members = {}) const;
  // The argv that Etcdctl runs, for Background commands.
  std::vector<std::string> EtcdctlArgv(const std::vector<std::string>& args,
                                       std::vector<int> members = {}) const;
  std::string Endpoints(std::vector<int> members = {}) const;

  const Member& member(int i) const { return members_.at(i); }
  int size() const { return static_cast<int>(members_.size()); }
  const std::string& dir() const { return dir_; }
  std::string initial_cluster() const;

  // The last lines of member i's log, for failure messages.
  std::string LogTail(int i, int lines = 40) const;

  // The command line Start(i, extra) runs (for running a member in the
  // foreground, e.g. to see it refuse to start).
  std::vector<std::string> CommandLine(int i, const std::vector<std::string>& extra) const;

 private:
  std::string dir_;
  bool tls_ = false;
  std::vector<Member> members_;
  int started_size_ = 0;  // Members of the initial cluster.
  bool die_with_starter_ = false;
};

// Writes a throwaway CA and certificates for 127.0.0.1 into dir with openssl:
// ca.pem, server.pem + server-key.pem (server and client use, for members),
// client.pem + client-key.pem. Returns false if openssl failed.
bool MakeTestCertificates(const std::string& dir);

// strata-server's path (build/bin, found next to the test binary).
std::string ServerBinary();

// A test suite whose tests share one 3-member cluster, started (and with a
// leader) before the first test and stopped after the last.
class SharedClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new Cluster(3);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->LogTail(0);
    ASSERT_GE(cluster_->WaitLeader(), 0);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  static inline Cluster* cluster_ = nullptr;
};

}  // namespace strata::testing
