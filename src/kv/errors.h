// The MVCC store's named errors, with etcd's exact messages so that the API
// layer can map them to etcd's gRPC errors (both are codes.OutOfRange there,
// with "etcdserver: " prepended to the message).
#pragma once

#include <string_view>

#include "base/status.h"

namespace strata::kv {

inline constexpr std::string_view kCompactedMessage = "mvcc: required revision has been compacted";
inline constexpr std::string_view kFutureRevisionMessage =
    "mvcc: required revision is a future revision";

// Code kCompacted, message kCompactedMessage.
Status CompactedError();
// Code kOutOfRange, message kFutureRevisionMessage.
Status FutureRevisionError();

bool IsCompactedError(const Status& s);
bool IsFutureRevisionError(const Status& s);

}  // namespace strata::kv
