#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

namespace strata::testing {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

CommandResult Run(const std::vector<std::string>& argv, const std::string& input,
                  std::chrono::seconds timeout) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      close(fd);
    }
    auto args = Argv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!input.empty()) {
    ssize_t ignored = write(in_pipe[1], input.data(), input.size());
    (void)ignored;
  }
  close(in_pipe[1]);

  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  if (std::chrono::steady_clock::now() >= deadline) kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

Background::Background(const std::vector<std::string>& argv) {
  char tmpl[] = "/tmp/strata-bg-XXXXXX";
  int fd = mkstemp(tmpl);
  path_ = tmpl;
  pid_ = fork();
  if (pid_ == 0) {
    int null_in = open("/dev/null", O_RDONLY);
    dup2(null_in, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    auto args = Argv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fd);
}

Background::~Background() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(path_.c_str());
}

std::string Background::output() const {
  std::ifstream in(path_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool Background::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return output().find(text) != std::string::npos; }, timeout);
}

bool Background::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
  return pid_ > 0;
}

int FreePort() {
  // The kernel may hand out a port again once it is released: never return
  // one twice in a process, or two listeners of one cluster could collide.
  static std::mutex mu;
  static std::set<int> given;
  std::lock_guard lock(mu);
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    int port = ntohs(addr.sin_port);
    if (given.insert(port).second) return port;
  }
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::string ServerBinary() {
  if (const char* env = std::getenv("STRATA_SERVER")) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "strata-server").string();
}

bool MakeTestCertificates(const std::string& dir) {
  const std::string ec = "ec:" + dir + "/ec.pem";
  std::ofstream(dir + "/ext.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  << "extendedKeyUsage=serverAuth,clientAuth\n";
  std::vector<std::vector<std::string>> steps = {
      {"openssl", "ecparam", "-name", "prime256v1", "-out", dir + "/ec.pem"},
      {"openssl", "req", "-x509", "-newkey", ec, "-nodes", "-keyout", dir + "/ca-key.pem", "-out",
       dir + "/ca.pem", "-days", "2", "-subj", "/CN=strata-test-ca"},
  };
  for (const std::string name : {"server", "client"}) {
    steps.push_back({"openssl", "req", "-newkey", ec, "-nodes", "-keyout",
                     dir + "/" + name + "-key.pem", "-out", dir + "/" + name + ".csr", "-subj",
                     "/CN=strata-test-" + name});
    steps.push_back({"openssl", "x509", "-req", "-in", dir + "/" + name + ".csr", "-CA",
                     dir + "/ca.pem", "-CAkey", dir + "/ca-key.pem", "-CAcreateserial", "-out",
                     dir + "/" + name + ".pem", "-days", "2", "-extfile", dir + "/ext.cnf"});
  }
  for (const auto& step : steps) {
    if (Run(step).exit_code != 0) return false;
  }
  return true;
}

Cluster::Cluster(int size, bool tls) : tls_(tls) {
  char tmpl[] = "/tmp/strata-it-XXXXXX";
  dir_ = mkdtemp(tmpl);
  if (tls_) {
    if (!MakeTestCertificates(dir_)) {
      std::cerr << "openssl could not make test certificates in " << dir_ << "\n";
      std::abort();
    }
  }
  for (int i = 0; i < size; ++i) AddSlot();
  started_size_ = size;
}

Cluster::~Cluster() {
  for (int i = 0; i < size(); ++i) {
    if (members_[i].pid > 0) Stop(i, /*hard=*/true);
  }
  // A failure is explained by what the servers said; CI keeps only stdout.
  if (::testing::UnitTest::GetInstance()->Failed()) {
    for (int i = 0; i < size(); ++i) {
      std::cerr << "---- last lines of " << members_[i].log_path << "\n" << LogTail(i, 60);
    }
  }
  if (std::getenv("STRATA_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int Cluster::AddSlot() {
  Member m;
  int i = size();
  m.name = "m" + std::to_string(i);
  m.client_port = FreePort();
  m.peer_port = FreePort();
  m.metrics_port = FreePort();
  m.data_dir = dir_ + "/" + m.name;
  m.log_path = dir_ + "/" + m.name + ".log";
  m.tls = tls_;
  members_.push_back(m);
  return i;
}

std::string Cluster::initial_cluster() const {
  std::string out;
  for (int i = 0; i < started_size_; ++i) {
    if (!out.empty()) out += ",";
    out += members_[i].name + "=" + members_[i].peer_url();
  }
  return out;
}

std::vector<std::string> Cluster::CommandLine(int i, const std::vector<std::string>& extra) const {
  const Member& m = members_[i];
  std::string client = m.client_url();
  std::vector<std::string> argv = {
      ServerBinary(),
      "--name=" + m.name,
      "--data-dir=" + m.data_dir,
      "--listen-client-urls=" + client,
      "--advertise-client-urls=" + client,
      "--listen-peer-urls=" + m.peer_url(),
      "--initial-advertise-peer-urls=" + m.peer_url(),
      "--listen-metrics-urls=http://127.0.0.1:" + std::to_string(m.metrics_port),
      "--initial-cluster=" + initial_cluster(),
      "--heartbeat-interval=50",
      "--election-timeout=500"};
  if (tls_) {
    for (const std::string prefix : {"--", "--peer-"}) {
      argv.push_back(prefix + "cert-file=" + dir_ + "/server.pem");
      argv.push_back(prefix + "key-file=" + dir_ + "/server-key.pem");
      argv.push_back(prefix + "trusted-ca-file=" + dir_ + "/ca.pem");
      argv.push_back(prefix + "client-cert-auth");
    }
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

bool Cluster::Start(int i, const std::vector<std::string>& extra_flags) {
  Member& m = members_[i];
  auto argv = CommandLine(i, extra_flags);
  const pid_t starter = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    if (die_with_starter_) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != starter) _exit(127);  // The starter died before prctl.
    }
    int fd = open(m.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    auto args = Argv(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  m.pid = pid;
  return pid > 0;
}

bool Cluster::StartAll() {
  for (int i = 0; i < started_size_; ++i) {
    if (!Start(i)) return false;
  }
  for (int i = 0; i < started_size_; ++i) {
    if (!WaitHealthy(i)) return false;
  }
  return true;
}

void Cluster::Stop(int i, bool hard) {
  Member& m = members_[i];
  if (m.pid <= 0) return;
  kill(m.pid, SIGCONT);
  kill(m.pid, hard ? SIGKILL : SIGTERM);
  int status = 0;
  waitpid(m.pid, &status, 0);
  m.pid = -1;
}

void Cluster::Pause(int i) { kill(members_[i].pid, SIGSTOP); }
void Cluster::Resume(int i) { kill(members_[i].pid, SIGCONT); }

bool Cluster::Healthy(int i) const {
  auto r = Run({"curl", "-fsS", "--max-time", "2",
                "http://127.0.0.1:" + std::to_string(members_[i].metrics_port) + "/health"},
               "", std::chrono::seconds(5));
  return r.exit_code == 0;
}

bool Cluster::WaitHealthy(int i, std::chrono::seconds timeout) const {
  return WaitFor([&] { return Healthy(i); }, timeout);
}

int Cluster::Leader() const {
  for (int i = 0; i < size(); ++i) {
    if (members_[i].pid <= 0) continue;
    auto r = Etcdctl({"endpoint", "status", "-w", "json", "--command-timeout=2s"}, "", {i});
    if (r.exit_code != 0) continue;
    auto json = nlohmann::json::parse(r.out, nullptr, false);
    if (!json.is_array() || json.empty()) continue;
    const auto& st = json[0]["Status"];
    if (st.contains("leader") && st["header"].contains("member_id") &&
        st["leader"] == st["header"]["member_id"]) {
      return i;
    }
  }
  return -1;
}

int Cluster::WaitLeader(std::chrono::seconds timeout) const {
  int leader = -1;
  WaitFor(
      [&] {
        leader = Leader();
        return leader >= 0;
      },
      timeout);
  return leader;
}

std::string Cluster::Endpoints(std::vector<int> members) const {
  if (members.empty()) {
    for (int i = 0; i < size(); ++i) {
      if (members_[i].pid > 0) members.push_back(i);
    }
  }
  std::string out;
  for (int i : members) {
    if (!out.empty()) out += ",";
    out += tls_ ? members_[i].client_url() : members_[i].client_endpoint();
  }
  return out;
}

std::vector<std::string> Cluster::EtcdctlArgv(const std::vector<std::string>& args,
                                              std::vector<int> members) const {
  std::vector<std::string> argv = {"env", "ETCDCTL_API=3", "etcdctl",
                                   "--endpoints=" + Endpoints(std::move(members))};
  if (tls_) {
    argv.push_back("--cacert=" + dir_ + "/ca.pem");
    argv.push_back("--cert=" + dir_ + "/client.pem");
    argv.push_back("--key=" + dir_ + "/client-key.pem");
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

CommandResult Cluster::Etcdctl(const std::vector<std::string>& args, const std::string& input,
                               std::vector<int> members) const {
  return Run(EtcdctlArgv(args, std::move(members)), input);
}

std::string Cluster::LogTail(int i, int lines) const {
  std::ifstream in(members_[i].log_path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::ostringstream out;
  for (size_t k = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0; k < all.size();
       ++k) {
    out << all[k] << "\n";
  }
  return out.str();
}

}  // namespace strata::testing
