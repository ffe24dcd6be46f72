#include "strata/client.h"

#include "client/core.h"
#include "client/kv_ops.h"
#include "client/paging.h"

namespace strata::client {
namespace {

using internal::Core;

// Runs f(core) on the async threads. The task holds the core, so it stays
// valid even if the Client goes away meanwhile (the call then fails fast).
template <typename T, typename F>
std::future<Result<T>> RunAsync(const std::shared_ptr<Core>& core, F f) {
  return core->Async<T>([core, f = std::move(f)]() mutable { return f(*core); });
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  const auto connect_timeout = options.connect_timeout;
  auto core = Core::Create(std::move(options));
  if (!core.ok()) return core.error();
  std::shared_ptr<Core> shared(std::move(core).value());
  const auto deadline = internal::Clock::now() + connect_timeout;
  Result<void> reached = shared->Discover(deadline);
  if (!reached.ok()) return reached.error();
  Result<void> authenticated = shared->CheckCredentials(deadline);
  if (!authenticated.ok()) return authenticated.error();
  return std::unique_ptr<Client>(new Client(std::move(shared)));
}

Client::Client(std::shared_ptr<Core> core) : core_(std::move(core)) {}

Client::~Client() { Shutdown(); }

void Client::Shutdown() { core_->Shutdown(); }

Result<KeyValue> Client::get(std::string_view key, const ReadOptions& options) {
  return internal::Get(*core_, key, options);
}
std::future<Result<KeyValue>> Client::get_async(std::string key, ReadOptions options) {
  return RunAsync<KeyValue>(
      core_, [key = std::move(key), options](Core& c) { return internal::Get(c, key, options); });
}

Result<WriteResult> Client::put(std::string_view key, std::string_view value,
                                const WriteOptions& options) {
  return internal::Put(*core_, key, value, options);
}
std::future<Result<WriteResult>> Client::put_async(std::string key, std::string value,
                                                   WriteOptions options) {
  return RunAsync<WriteResult>(core_,
                               [key = std::move(key), value = std::move(value), options](Core& c) {
                                 return internal::Put(c, key, value, options);
                               });
}

Result<RemoveResult> Client::remove(std::string_view key, const WriteOptions& options) {
  return internal::Remove(*core_, key, options);
}
std::future<Result<RemoveResult>> Client::remove_async(std::string key, WriteOptions options) {
  return RunAsync<RemoveResult>(core_, [key = std::move(key), options](Core& c) {
    return internal::Remove(c, key, options);
  });
}

Result<WriteResult> Client::put_if_version(std::string_view key, std::string_view value,
                                           int64_t expected_version, const WriteOptions& options) {
  return internal::PutIfVersion(*core_, key, value, expected_version, options);
}
std::future<Result<WriteResult>> Client::put_if_version_async(std::string key, std::string value,
                                                              int64_t expected_version,
                                                              WriteOptions options) {
  return RunAsync<WriteResult>(
      core_, [key = std::move(key), value = std::move(value), expected_version, options](Core& c) {
        return internal::PutIfVersion(c, key, value, expected_version, options);
      });
}

Result<ScanPage> Client::range_scan(std::string_view start, std::string_view end, int64_t limit,
                                    const ReadOptions& options) {
  return internal::RangeScan(*core_, start, end, limit, options);
}
std::future<Result<ScanPage>> Client::range_scan_async(std::string start, std::string end,
                                                       int64_t limit, ReadOptions options) {
  return RunAsync<ScanPage>(
      core_, [start = std::move(start), end = std::move(end), limit, options](Core& c) {
        return internal::RangeScan(c, start, end, limit, options);
      });
}

ScanIterator Client::scan(std::string_view start, std::string_view end,
                          const ScanOptions& options) {
  auto fetch = [core = core_, end = std::string(end), options](const std::string& from,
                                                               int64_t revision) {
    ReadOptions read = options.read;
    if (revision != 0) read.revision = revision;
    return internal::RangeScan(*core, from, end, options.page_size, read);
  };
  return ScanIterator(std::move(fetch), std::string(start), options.pin_revision);
}

Result<MultiGetResult> Client::multi_get(const std::vector<std::string>& keys,
                                         const ReadOptions& options) {
  return internal::MultiGet(*core_, keys, options);
}
std::future<Result<MultiGetResult>> Client::multi_get_async(std::vector<std::string> keys,
                                                            ReadOptions options) {
  return RunAsync<MultiGetResult>(core_, [keys = std::move(keys), options](Core& c) {
    return internal::MultiGet(c, keys, options);
  });
}

Result<std::vector<Result<WriteResult>>> Client::multi_put(const std::vector<PutEntry>& entries,
                                                           bool atomic,
                                                           const WriteOptions& options) {
  return internal::MultiPut(*core_, entries, atomic, options);
}
std::future<Result<std::vector<Result<WriteResult>>>> Client::multi_put_async(
    std::vector<PutEntry> entries, bool atomic, WriteOptions options) {
  return RunAsync<std::vector<Result<WriteResult>>>(
      core_, [entries = std::move(entries), atomic, options](Core& c) {
        return internal::MultiPut(c, entries, atomic, options);
      });
}

Result<std::vector<MultiLevelEntry>> Client::scan_primary(std::string_view primary, int64_t limit,
                                                          const ReadOptions& options) {
  return internal::ScanPrimary(*core_, primary, limit, options);
}
std::future<Result<std::vector<MultiLevelEntry>>> Client::scan_primary_async(std::string primary,
                                                                             int64_t limit,
                                                                             ReadOptions options) {
  return RunAsync<std::vector<MultiLevelEntry>>(
      core_, [primary = std::move(primary), limit, options](Core& c) {
        return internal::ScanPrimary(c, primary, limit, options);
      });
}

Timelines Client::timelines() const { return Timelines(core_); }

Result<std::vector<Member>> Client::members(const CallOptions& options) {
  return internal::Members(*core_, options);
}
std::future<Result<std::vector<Member>>> Client::members_async(CallOptions options) {
  return RunAsync<std::vector<Member>>(
      core_, [options](Core& c) { return internal::Members(c, options); });
}

Result<ClusterStatus> Client::status(const CallOptions& options) {
  return internal::Status(*core_, options);
}
std::future<Result<ClusterStatus>> Client::status_async(CallOptions options) {
  return RunAsync<ClusterStatus>(core_,
                                 [options](Core& c) { return internal::Status(c, options); });
}

std::vector<std::string> Client::endpoints() const { return core_->connection().Targets(); }

std::string Client::leader_endpoint() const { return core_->connection().LeaderTarget(); }

}  // namespace strata::client
