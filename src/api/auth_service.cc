#include "api/auth_service.h"

#include "api/etcd_status.h"
#include "api/password.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

using requestpb::InternalRequest;

template <typename Response>
void Answer(grpc::ServerUnaryReactor* reactor, Response* response, Result<Response> result) {
  if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
  *response = std::move(*result);
  reactor->Finish(grpc::Status::OK);
}

}  // namespace

template <typename Response>
void AuthService::Run(grpc::CallbackServerContext* context, InternalRequest request, bool open,
                      Response* response, grpc::ServerUnaryReactor* reactor) {
  Result<Caller> caller = deps_.auth->FromGrpc(*context);
  if (!caller.ok()) return Answer<Response>(reactor, response, caller.status());
  if (!open) {
    Status admin = deps_.auth->store().IsAdmin(caller->user);
    if (!admin.ok()) return Answer<Response>(reactor, response, admin);
  }
  request.mutable_header()->set_username(caller->user);
  deps_.node->propose(
      deps_.range, request.SerializeAsString(),
      [this, reactor, response](node::ApplyResult applied) {
        if (!applied.status.ok()) {
          return Answer<Response>(reactor, response, ToEtcdStatus(applied.status));
        }
        auto* reply = std::any_cast<std::shared_ptr<google::protobuf::Message>>(&applied.response);
        auto* typed = reply != nullptr ? dynamic_cast<Response*>(reply->get()) : nullptr;
        if (typed == nullptr) {
          return Answer<Response>(reactor, response,
                                  Status::Internal("auth request applied without a response"));
        }
        Response out = std::move(*typed);
        deps_.fill_header(out.mutable_header());
        Answer<Response>(reactor, response, std::move(out));
      });
}

// The calls that only pass their request through.
#define STRATA_AUTH_PASS(Method, Request, Response, field, open)                      \
  grpc::ServerUnaryReactor* AuthService::Method(grpc::CallbackServerContext* context, \
                                                const etcdserverpb::Request* request, \
                                                etcdserverpb::Response* response) {   \
    auto* reactor = context->DefaultReactor();                                        \
    InternalRequest internal;                                                         \
    *internal.mutable_##field() = *request;                                           \
    Run(context, std::move(internal), open, response, reactor);                       \
    return reactor;                                                                   \
  }
// AuthEnable is open: while auth is off there is nobody to be admin, and
// applying it checks that root exists.
STRATA_AUTH_PASS(AuthEnable, AuthEnableRequest, AuthEnableResponse, auth_enable, true)
STRATA_AUTH_PASS(AuthDisable, AuthDisableRequest, AuthDisableResponse, auth_disable, false)
STRATA_AUTH_PASS(AuthStatus, AuthStatusRequest, AuthStatusResponse, auth_status, true)
STRATA_AUTH_PASS(UserGet, AuthUserGetRequest, AuthUserGetResponse, auth_user_get, false)
STRATA_AUTH_PASS(UserList, AuthUserListRequest, AuthUserListResponse, auth_user_list, false)
STRATA_AUTH_PASS(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse, auth_user_delete, false)
STRATA_AUTH_PASS(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse,
                 auth_user_grant_role, false)
STRATA_AUTH_PASS(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse,
                 auth_user_revoke_role, false)
STRATA_AUTH_PASS(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse, auth_role_add, false)
STRATA_AUTH_PASS(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse, auth_role_get, false)
STRATA_AUTH_PASS(RoleList, AuthRoleListRequest, AuthRoleListResponse, auth_role_list, false)
STRATA_AUTH_PASS(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse, auth_role_delete, false)
STRATA_AUTH_PASS(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                 AuthRoleGrantPermissionResponse, auth_role_grant_permission, false)
STRATA_AUTH_PASS(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                 AuthRoleRevokePermissionResponse, auth_role_revoke_permission, false)
#undef STRATA_AUTH_PASS

grpc::ServerUnaryReactor* AuthService::UserAdd(grpc::CallbackServerContext* context,
                                               const etcdserverpb::AuthUserAddRequest* request,
                                               etcdserverpb::AuthUserAddResponse* response) {
  auto* reactor = context->DefaultReactor();
  etcdserverpb::AuthUserAddRequest add = *request;
  deps_.executor->submit([this, context, reactor, response, add]() mutable {
    if (!add.options().no_password()) {
      Result<std::string> hash = HashPassword(add.password());
      if (!hash.ok())
        return Answer<etcdserverpb::AuthUserAddResponse>(reactor, response, hash.status());
      add.set_hashedpassword(std::move(*hash));
    }
    add.clear_password();
    InternalRequest internal;
    *internal.mutable_auth_user_add() = std::move(add);
    Run(context, std::move(internal), false, response, reactor);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthService::UserChangePassword(
    grpc::CallbackServerContext* context,
    const etcdserverpb::AuthUserChangePasswordRequest* request,
    etcdserverpb::AuthUserChangePasswordResponse* response) {
  auto* reactor = context->DefaultReactor();
  etcdserverpb::AuthUserChangePasswordRequest change = *request;
  deps_.executor->submit([this, context, reactor, response, change]() mutable {
    Result<std::string> hash = HashPassword(change.password());
    if (!hash.ok()) {
      return Answer<etcdserverpb::AuthUserChangePasswordResponse>(reactor, response, hash.status());
    }
    change.set_hashedpassword(std::move(*hash));
    change.clear_password();
    InternalRequest internal;
    *internal.mutable_auth_user_change_password() = std::move(change);
    Run(context, std::move(internal), false, response, reactor);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthService::Authenticate(
    grpc::CallbackServerContext* context, const etcdserverpb::AuthenticateRequest* request,
    etcdserverpb::AuthenticateResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::string name = request->name();
  std::string password = request->password();
  deps_.executor->submit([this, context, reactor, response, name, password] {
    const kv::AuthStore& store = deps_.auth->store();
    if (!store.enabled()) {
      return Answer<etcdserverpb::AuthenticateResponse>(
          reactor, response, kv::MakeEtcdError(kv::EtcdError::kAuthNotEnabled));
    }
    std::optional<std::string> hash = store.password_hash(name);
    // Unknown users and wrong passwords get the same answer.
    if (!hash || !VerifyPassword(password, *hash)) {
      return Answer<etcdserverpb::AuthenticateResponse>(
          reactor, response, kv::MakeEtcdError(kv::EtcdError::kAuthFailed));
    }
    InternalRequest internal;
    internal.mutable_authenticate()->set_name(name);
    internal.mutable_authenticate()->set_simple_token(AuthTokens::NewPrefix());
    Run(context, std::move(internal), true, response, reactor);
  });
  return reactor;
}

}  // namespace strata::api
