#include "client/core.h"

#include <algorithm>
#include <random>

#include "client/convert.h"

namespace strata::client::internal {
namespace {

std::chrono::system_clock::time_point ToSystem(Deadline d) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(d - Clock::now());
}

double UnitRandom() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

Error DeadlineError(const CallSpec& spec, const std::optional<Error>& last, bool maybe_applied) {
  std::string text = spec.what + ": deadline exceeded";
  if (last) text += "; last error: " + last->message();
  Error e(ErrorCode::kDeadlineExceeded, std::move(text));
  e.set_maybe_applied(maybe_applied);
  return e;
}

}  // namespace

Result<std::unique_ptr<Core>> Core::Create(ClientOptions options) {
  auto connection = Connection::Create(options);
  if (!connection.ok()) return connection.error();
  if (options.credentials && options.credentials->username.empty()) {
    return Error(ErrorCode::kInvalidArgument, "credentials without a user name");
  }
  if (options.max_txn_ops < 1) {
    return Error(ErrorCode::kInvalidArgument, "max_txn_ops must be at least 1");
  }
  return std::unique_ptr<Core>(new Core(std::move(options), std::move(connection).value()));
}

Core::Core(ClientOptions options, std::unique_ptr<Connection> connection)
    : options_(std::move(options)),
      connection_(std::move(connection)),
      executor_(std::make_unique<Executor>(options_.async_threads, options_.max_queued_async)) {}

Core::~Core() { Shutdown(); }

Deadline Core::DeadlineAfter(std::chrono::milliseconds timeout) const {
  return Clock::now() + (timeout.count() > 0 ? timeout : options_.default_timeout);
}

void Core::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    {
      std::lock_guard lock(mu_);
      shut_down_ = true;
      for (grpc::ClientContext* ctx : in_flight_) ctx->TryCancel();
    }
    wake_.notify_all();
    executor_->Stop();
  });
}

bool Core::shut_down() const {
  std::lock_guard lock(mu_);
  return shut_down_;
}

bool Core::Track(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  if (shut_down_) return false;
  in_flight_.insert(ctx);
  return true;
}

void Core::Untrack(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  in_flight_.erase(ctx);
}

Result<std::string> Core::StreamToken(Deadline deadline) {
  if (!options_.credentials) return std::string();
  return Token(deadline);
}

Error Core::AsyncRefused() const {
  if (shut_down()) return Error(ErrorCode::kCancelled, "the client is shut down");
  return Error(ErrorCode::kResourceExhausted, "too many async calls queued (max_queued_async = " +
                                                  std::to_string(options_.max_queued_async) + ")");
}

bool Core::Backoff(int retry, Deadline deadline) {
  auto delay = BackoffDelay(options_.retry, retry, UnitRandom());
  if (Clock::now() + delay >= deadline) return false;
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, delay, [&] { return shut_down_; });
}

Result<void> Core::Call(const CallSpec& spec, const Invoker& invoke) {
  const RetryPolicy& policy = options_.retry;
  const int max_attempts = spec.endpoint ? 1 : std::max(1, policy.max_attempts);
  auto cancelled = [&] {
    return Error(ErrorCode::kCancelled, spec.what + ": the client is shut down");
  };
  bool maybe_applied = false;
  bool token_refreshed = false;
  std::optional<Error> last;
  for (int attempt = 0;;) {
    if (shut_down()) return cancelled();
    const Deadline now = Clock::now();
    if (now >= spec.deadline) return DeadlineError(spec, last, maybe_applied);
    if (spec.route == Route::kLeader && !spec.endpoint) MaybeRefreshLeader(spec.deadline);
    std::shared_ptr<Endpoint> ep = spec.endpoint ? spec.endpoint : connection_->Pick(spec.route);
    std::string token;
    if (spec.with_token && options_.credentials) {
      Result<std::string> t = Token(spec.deadline);
      if (!t.ok()) return t.error();
      token = *t;
    }
    Deadline attempt_deadline = spec.deadline;
    if (policy.attempt_timeout.count() > 0) {
      attempt_deadline = std::min(spec.deadline, now + policy.attempt_timeout);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(ToSystem(attempt_deadline));
    if (!token.empty()) ctx.AddMetadata("token", token);
    {
      std::lock_guard lock(mu_);
      if (shut_down_) return cancelled();
      in_flight_.insert(&ctx);
    }
    grpc::Status s = invoke(*ep, &ctx);
    {
      std::lock_guard lock(mu_);
      in_flight_.erase(&ctx);
    }
    if (s.ok()) return {};
    if (shut_down()) return cancelled();

    const bool attempt_timed_out =
        s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && attempt_deadline < spec.deadline;
    const FailureKind kind = Classify(s.error_code(), s.error_message(), attempt_timed_out);
    if (spec.idempotency == Idempotency::kWrite &&
        (kind == FailureKind::kOutcomeUnknown ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
      maybe_applied = true;
    }
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && !attempt_timed_out && last) {
      // The call's own deadline ended this attempt: name what failed before.
      return DeadlineError(spec, last, maybe_applied);
    }
    last = ToError(s.error_code(), s.error_message(), spec.what + " at " + ep->target);
    if (kind == FailureKind::kAuthExpired && options_.credentials && !token_refreshed) {
      tokens_.Invalidate(token);
      token_refreshed = true;
      continue;  // Not an attempt of its own: the request was refused at the door.
    }
    if (kind == FailureKind::kNotSent || kind == FailureKind::kOutcomeUnknown) {
      connection_->ReportFailure(ep);
    }
    ++attempt;
    if (!ShouldRetry(kind, spec.idempotency, spec.retry_if_outcome_unknown) ||
        attempt >= max_attempts) {
      last->set_maybe_applied(maybe_applied);
      return *last;
    }
    if (!Backoff(attempt, spec.deadline)) {
      if (shut_down()) return cancelled();
      return DeadlineError(spec, last, maybe_applied);
    }
  }
}

Result<std::string> Core::Token(Deadline deadline) {
  return tokens_.Get([&] { return Authenticate(deadline); });
}

Result<void> Core::CheckCredentials(Deadline deadline) {
  if (!options_.credentials) return {};
  Result<std::string> token = Token(deadline);
  if (!token.ok()) return token.error();
  return {};
}

Result<std::string> Core::Authenticate(Deadline deadline) {
  etcdserverpb::AuthenticateRequest request;
  request.set_name(options_.credentials->username);
  request.set_password(options_.credentials->password);
  etcdserverpb::AuthenticateResponse response;
  CallSpec spec{.what = "authenticate as \"" + request.name() + "\"",
                .deadline = deadline,
                .with_token = false};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.auth->Authenticate(ctx, request, &response);
  });
  if (r.ok()) return response.token();
  const Error& e = r.error();
  // Like etcd's clients: credentials for a cluster without auth are fine.
  if (e.Is(ErrorCode::kFailedPrecondition) &&
      e.message().find("authentication is not enabled") != std::string::npos) {
    return std::string();
  }
  if (e.Is(ErrorCode::kUnimplemented)) {
    return Error(ErrorCode::kUnimplemented,
                 "credentials given, but the cluster offers no authentication: " + e.message());
  }
  return e;
}

void Core::MaybeRefreshLeader(Deadline deadline) {
  if (!connection_->BeginLeaderRefresh()) return;
  // A short look-up: the call goes on (to any member, which forwards) if
  // it fails.
  auto budget = std::min<Clock::duration>((deadline - Clock::now()) / 2, std::chrono::seconds(1));
  (void)DiscoverThrough(connection_->Pick(Route::kAny), Clock::now() + budget);
  connection_->EndLeaderRefresh();
}

Result<void> Core::DiscoverThrough(const std::shared_ptr<Endpoint>& ep, Deadline deadline) {
  auto members = MemberList(deadline, ep, /*with_token=*/false);
  if (!members.ok()) return members.error();
  auto status = Status(deadline, ep, /*with_token=*/false);
  if (!status.ok()) return status.error();
  std::vector<MemberAddress> addresses;
  for (const auto& m : members->members()) {
    MemberAddress a{.id = m.id()};
    for (const auto& url : m.clienturls()) a.targets.push_back(TargetOf(url));
    addresses.push_back(std::move(a));
  }
  connection_->Update(addresses, status->leader(), status->raftterm());
  return {};
}

Result<void> Core::Discover(Deadline deadline) {
  std::optional<Error> last;
  for (int round = 1; Clock::now() < deadline; ++round) {
    const auto per_try =
        std::min<Clock::duration>(deadline - Clock::now(), std::chrono::seconds(1));
    Result<void> r = DiscoverThrough(connection_->Pick(Route::kAny), Clock::now() + per_try);
    if (r.ok()) return r;
    if (shut_down()) return r;
    last = r.error();
    // One pass over the endpoints without pause, then back off.
    if (round >= static_cast<int>(connection_->Targets().size()) && !Backoff(round, deadline)) {
      break;
    }
  }
  std::string text = "no member answered";
  if (last) text += ": " + last->message();
  return Error(ErrorCode::kUnavailable, text);
}

}  // namespace strata::client::internal
