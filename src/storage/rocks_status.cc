#include "storage/rocks_status.h"

#include <new>
#include <string>

namespace strata::storage {

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string msg = "rocksdb: " + std::string(context) + ": " + s.ToString();
  if (s.IsNoSpace()) {
    return Status::ResourceExhausted("no space left on device: " + msg);
  }
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return Status::NotFound(std::move(msg));
    case rocksdb::Status::kCorruption:
      return Status::Corruption(std::move(msg));
    case rocksdb::Status::kInvalidArgument:
      return Status::InvalidArgument(std::move(msg));
    case rocksdb::Status::kNotSupported:
      return Status::FailedPrecondition(std::move(msg));
    case rocksdb::Status::kIOError:
      return Status::IOError(std::move(msg));
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
      return Status::Unavailable(std::move(msg));
    case rocksdb::Status::kIncomplete:
    case rocksdb::Status::kAborted:
      return Status::Cancelled(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

Status FromException(std::exception_ptr e, std::string_view context) {
  std::string prefix = "storage: " + std::string(context) + ": ";
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(prefix + "out of memory");
  } catch (const std::exception& ex) {
    return Status::Internal(prefix + ex.what());
  } catch (...) {
    return Status::Internal(prefix + "unknown exception");
  }
}

}  // namespace strata::storage
