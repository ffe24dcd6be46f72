// strata-server: a Strata cluster member. See `strata-server --help`.
#include <csignal>
#include <cstdio>

#include <absl/synchronization/mutex.h>
#include <spdlog/spdlog.h>

#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  // Debian's abseil checks every gRPC lock acquisition for cycles; that is
  // a debugging aid that costs a few percent of the CPU of every request.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto config = strata::server::ParseServerConfig(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "strata-server: %s\n", config.status().message().c_str());
    std::fprintf(stderr, "Run 'strata-server --help' for the flags.\n");
    return 2;
  }
  switch (config->action) {
    case strata::server::ServerAction::kShowHelp:
      std::fputs(strata::server::ServerUsage().c_str(), stdout);
      return 0;
    case strata::server::ServerAction::kShowVersion:
      std::fputs(strata::server::ServerVersionText().c_str(), stdout);
      return 0;
    case strata::server::ServerAction::kServe:
      break;
  }

  // Block the stop signals in every thread; this one waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  strata::server::StrataServer server(std::move(*config));
  strata::Status started = server.Start();
  if (!started.ok()) {
    spdlog::critical("cannot start: {}", started.ToString());
    return 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("received signal {}, stopping", signal);
  server.Stop();
  return 0;
}
