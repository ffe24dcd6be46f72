// The etcd Cluster gRPC service: member list, add (voter or learner),
// remove, update and promote, as raft membership changes.
#pragma once

#include "api/auth_tokens.h"

#include <functional>
#include <string>
#include <vector>

#include "api/etcd_kv.h"
#include "api/members.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "node/node.h"

namespace strata::api {

struct ClusterDeps {
  node::Node* node = nullptr;
  raft::RangeId range{1};
  MemberRegistry* members = nullptr;
  EtcdKv* kv = nullptr;  // For response headers.
  // The id a member with these peer URLs gets (etcd's derivation).
  std::function<uint64_t(const std::vector<std::string>& peer_urls)> member_id_for;
  // Membership changes need the root role once auth is on (null: no auth).
  const Authenticator* auth = nullptr;
};

class ClusterService final : public etcdserverpb::Cluster::CallbackService {
 public:
  explicit ClusterService(ClusterDeps deps) : deps_(std::move(deps)) {}

  grpc::ServerUnaryReactor* MemberAdd(grpc::CallbackServerContext* context,
                                      const etcdserverpb::MemberAddRequest* request,
                                      etcdserverpb::MemberAddResponse* response) override;
  grpc::ServerUnaryReactor* MemberRemove(grpc::CallbackServerContext* context,
                                         const etcdserverpb::MemberRemoveRequest* request,
                                         etcdserverpb::MemberRemoveResponse* response) override;
  grpc::ServerUnaryReactor* MemberUpdate(grpc::CallbackServerContext* context,
                                         const etcdserverpb::MemberUpdateRequest* request,
                                         etcdserverpb::MemberUpdateResponse* response) override;
  grpc::ServerUnaryReactor* MemberList(grpc::CallbackServerContext* context,
                                       const etcdserverpb::MemberListRequest* request,
                                       etcdserverpb::MemberListResponse* response) override;
  grpc::ServerUnaryReactor* MemberPromote(grpc::CallbackServerContext* context,
                                          const etcdserverpb::MemberPromoteRequest* request,
                                          etcdserverpb::MemberPromoteResponse* response) override;

 private:
  // Checks peer URLs: present, http(s)://host:port, not used by a member.
  Status ValidatePeerUrls(const google::protobuf::RepeatedPtrField<std::string>& urls,
                          uint64_t except_id) const;
  using MembersDone = std::function<void(Result<std::vector<etcdserverpb::Member>>)>;
  // Proposes a membership change; `done` gets the members afterwards.
  void ChangeMembership(raft::ConfChange cc, MembersDone done, int attempt = 0);
  // Finishes the RPC with the header and the members afterwards, or the error.
  template <typename Response>
  MembersDone AnswerWithMembers(grpc::ServerUnaryReactor* reactor, Response* response);

  ClusterDeps deps_;
};

}  // namespace strata::api
