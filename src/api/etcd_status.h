// Turning Strata's Status values into what etcd clients expect: etcd's
// error messages and gRPC codes.
#pragma once

#include <grpcpp/support/status.h>

#include "base/status.h"

namespace strata::api {

// Maps the node layer's errors (no leader, timeouts, lost proposals,
// shutdown) to etcd's errors; etcd errors and others pass unchanged.
Status ToEtcdStatus(const Status& s);

// The gRPC status etcd would answer s with.
grpc::Status ToGrpcStatus(const Status& s);

}  // namespace strata::api
