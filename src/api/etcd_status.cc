#include "api/etcd_status.h"

#include "kv/etcd_errors.h"

namespace strata::api {

Status ToEtcdStatus(const Status& s) {
  using kv::EtcdError;
  if (s.ok() || kv::AsEtcdError(s)) return s;
  switch (s.code()) {
    case StatusCode::kUnavailable:
      return kv::MakeEtcdError(s.message().find("leader changed") != std::string::npos
                                   ? EtcdError::kLeaderChanged
                                   : EtcdError::kNoLeader);
    case StatusCode::kNotLeader:
      return kv::MakeEtcdError(EtcdError::kNotLeader);
    case StatusCode::kDeadlineExceeded:
      return kv::MakeEtcdError(EtcdError::kTimeout);
    case StatusCode::kProposalDropped:
      return kv::MakeEtcdError(EtcdError::kTimeoutDueToLeaderFail);
    case StatusCode::kCancelled:
      return kv::MakeEtcdError(EtcdError::kStopped);
    default:
      return kv::ToEtcdStatus(s);
  }
}

grpc::Status ToGrpcStatus(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  Status etcd = ToEtcdStatus(s);
  return grpc::Status(static_cast<grpc::StatusCode>(kv::GrpcCodeOf(etcd)), etcd.message());
}

}  // namespace strata::api
