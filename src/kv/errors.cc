#include "kv/errors.h"

#include <string>

namespace strata::kv {

Status CompactedError() { return Status::Compacted(std::string(kCompactedMessage)); }

Status FutureRevisionError() { return Status::OutOfRange(std::string(kFutureRevisionMessage)); }

bool IsCompactedError(const Status& s) {
  return s.Is(StatusCode::kCompacted) && s.message() == kCompactedMessage;
}

bool IsFutureRevisionError(const Status& s) {
  return s.Is(StatusCode::kOutOfRange) && s.message() == kFutureRevisionMessage;
}

}  // namespace strata::kv
