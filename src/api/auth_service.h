// The etcd Auth gRPC service (etcdserverpb.Auth).
//
// Every call is proposed through raft and applied by kv::AuthStore on every
// member, as etcd does. Before proposing, this member checks the caller
// (user and role management and AuthDisable need the root role once auth
// is enabled), hashes new passwords (api/password.h: the clear text never
// enters the log), and for Authenticate verifies the password and picks the
// token that every member then stores.
//
// Thread-safety: gRPC's callback API; the service is shared by all calls.
#pragma once

#include <functional>

#include "api/auth_tokens.h"
#include "api/executor.h"
#include "api/kv_frontend.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "node/node.h"

namespace strata::api {

struct AuthServiceDeps {
  node::Node* node = nullptr;
  raft::RangeId range;
  const Authenticator* auth = nullptr;
  // Runs password hashing off gRPC's threads.
  Executor* executor = nullptr;
  // Fills cluster_id, member_id, raft_term and revision.
  std::function<void(etcdserverpb::ResponseHeader*)> fill_header;
};

class AuthService final : public etcdserverpb::Auth::CallbackService {
 public:
  explicit AuthService(AuthServiceDeps deps) : deps_(std::move(deps)) {}

#define STRATA_AUTH_RPC(Method, Request, Response)                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const etcdserverpb::Request* request, \
                                   etcdserverpb::Response* response) override;
  STRATA_AUTH_RPC(AuthEnable, AuthEnableRequest, AuthEnableResponse)
  STRATA_AUTH_RPC(AuthDisable, AuthDisableRequest, AuthDisableResponse)
  STRATA_AUTH_RPC(AuthStatus, AuthStatusRequest, AuthStatusResponse)
  STRATA_AUTH_RPC(Authenticate, AuthenticateRequest, AuthenticateResponse)
  STRATA_AUTH_RPC(UserAdd, AuthUserAddRequest, AuthUserAddResponse)
  STRATA_AUTH_RPC(UserGet, AuthUserGetRequest, AuthUserGetResponse)
  STRATA_AUTH_RPC(UserList, AuthUserListRequest, AuthUserListResponse)
  STRATA_AUTH_RPC(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse)
  STRATA_AUTH_RPC(UserChangePassword, AuthUserChangePasswordRequest, AuthUserChangePasswordResponse)
  STRATA_AUTH_RPC(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse)
  STRATA_AUTH_RPC(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse)
  STRATA_AUTH_RPC(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse)
  STRATA_AUTH_RPC(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse)
  STRATA_AUTH_RPC(RoleList, AuthRoleListRequest, AuthRoleListResponse)
  STRATA_AUTH_RPC(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse)
  STRATA_AUTH_RPC(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                  AuthRoleGrantPermissionResponse)
  STRATA_AUTH_RPC(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                  AuthRoleRevokePermissionResponse)
#undef STRATA_AUTH_RPC

 private:
  // Checks the caller (admin unless `open`), proposes request and finishes
  // the call with the applied response.
  template <typename Response>
  void Run(grpc::CallbackServerContext* context, requestpb::InternalRequest request, bool open,
           Response* response, grpc::ServerUnaryReactor* reactor);

  const AuthServiceDeps deps_;
};

}  // namespace strata::api
