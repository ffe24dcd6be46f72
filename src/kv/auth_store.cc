#include "kv/auth_store.h"

#include <algorithm>

#include "kv/etcd_errors.h"
#include "kv/lease_table.h"
#include "storage/keys.h"

namespace strata::kv {
namespace {

using requestpb::InternalRequest;

const std::string& StateKey() {
  static const std::string key = storage::KvMetaKey("auth/state");
  return key;
}

Status Err(EtcdError e) { return MakeEtcdError(e); }

bool Grants(authpb::Permission::Type type, Access access) {
  if (type == authpb::Permission::READWRITE) return true;
  return access == Access::kRead ? type == authpb::Permission::READ
                                 : type == authpb::Permission::WRITE;
}

// A half-open key interval; an empty `end` with `unbounded` false means a
// single key (end = key + "\0").
struct Interval {
  std::string begin;
  std::string end;
  bool unbounded = false;
};

Interval ToInterval(std::string_view key, std::string_view range_end) {
  Interval i{std::string(key), {}, false};
  if (range_end.empty()) {
    i.end = i.begin + std::string(1, '\0');
  } else if (range_end == std::string_view("\0", 1)) {
    i.unbounded = true;
  } else {
    i.end = std::string(range_end);
  }
  return i;
}

// Whether the union of `have` covers `want`.
bool Covers(std::vector<Interval> have, const Interval& want) {
  if (!want.unbounded && want.end <= want.begin) return true;  // Empty range.
  std::sort(have.begin(), have.end(),
            [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
  std::string reached = want.begin;  // Everything below is covered.
  for (const Interval& h : have) {
    if (h.begin > reached) break;  // A gap before h.
    if (h.unbounded) return true;
    if (h.end > reached) reached = h.end;
    if (!want.unbounded && reached >= want.end) return true;
  }
  return false;
}

template <typename T>
std::unique_ptr<google::protobuf::Message> Reply() {
  return std::make_unique<T>();
}

}  // namespace

// The store's contents; copied to stage a change.
class AuthStore::State {
 public:
  bool enabled = false;
  uint64_t revision = 0;
  std::map<std::string, authpb::User, std::less<>> users;
  std::map<std::string, authpb::Role, std::less<>> roles;

  std::string Encode() const {
    requestpb::AuthState s;
    s.set_enabled(enabled);
    s.set_revision(revision);
    for (const auto& [name, u] : users) *s.add_users() = u;
    for (const auto& [name, r] : roles) *s.add_roles() = r;
    return s.SerializeAsString();
  }
  bool Decode(std::string_view bytes) {
    requestpb::AuthState s;
    if (!s.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
    enabled = s.enabled();
    revision = s.revision();
    users.clear();
    roles.clear();
    for (const auto& u : s.users()) users[u.name()] = u;
    for (const auto& r : s.roles()) roles[r.name()] = r;
    return true;
  }
  bool HasRootRole(const authpb::User& u) const {
    return std::find(u.roles().begin(), u.roles().end(), kRootName) != u.roles().end();
  }
  Status Permitted(std::string_view user, Access access, std::string_view key,
                   std::string_view range_end) const {
    if (!enabled) return Status::Ok();
    if (user.empty()) return Err(EtcdError::kUserEmpty);
    auto it = users.find(user);
    if (it == users.end()) return Err(EtcdError::kPermissionDenied);
    if (HasRootRole(it->second)) return Status::Ok();
    std::vector<Interval> have;
    for (const std::string& role_name : it->second.roles()) {
      auto role = roles.find(role_name);
      if (role == roles.end()) continue;
      for (const authpb::Permission& p : role->second.keypermission()) {
        if (Grants(p.permtype(), access)) have.push_back(ToInterval(p.key(), p.range_end()));
      }
    }
    if (Covers(std::move(have), ToInterval(key, range_end))) return Status::Ok();
    return Err(EtcdError::kPermissionDenied);
  }
};

AuthStore::AuthStore() : state_(std::make_unique<State>()), staged_(std::make_unique<State>()) {}
AuthStore::~AuthStore() = default;

Status AuthStore::Reload(const storage::Reader& engine) {
  auto stored = engine.Get(storage::ColumnFamily::kMeta, StateKey());
  STRATA_RETURN_IF_ERROR(stored.status());
  auto fresh = std::make_unique<State>();
  if (stored->has_value() && !fresh->Decode(**stored)) {
    return Status::Corruption("auth state record is malformed");
  }
  *staged_ = *fresh;
  std::lock_guard lock(mu_);
  state_ = std::move(fresh);
  return Status::Ok();
}

bool AuthStore::enabled() const {
  std::lock_guard lock(mu_);
  return state_->enabled;
}

uint64_t AuthStore::revision() const {
  std::lock_guard lock(mu_);
  return state_->revision;
}

std::optional<std::string> AuthStore::password_hash(std::string_view user) const {
  std::lock_guard lock(mu_);
  auto it = state_->users.find(user);
  if (it == state_->users.end() || it->second.password().empty()) return std::nullopt;
  return it->second.password();
}

bool AuthStore::user_exists(std::string_view user) const {
  std::lock_guard lock(mu_);
  return state_->users.contains(user);
}

Status AuthStore::Permitted(std::string_view user, Access access, std::string_view key,
                            std::string_view range_end) const {
  std::lock_guard lock(mu_);
  return state_->Permitted(user, access, key, range_end);
}

Status AuthStore::IsAdmin(std::string_view user) const {
  std::lock_guard lock(mu_);
  if (!state_->enabled) return Status::Ok();
  if (user.empty()) return Err(EtcdError::kUserEmpty);
  auto it = state_->users.find(user);
  if (it == state_->users.end() || !state_->HasRootRole(it->second)) {
    return Err(EtcdError::kPermissionDenied);
  }
  return Status::Ok();
}

bool AuthStore::IsAuthRequest(const InternalRequest& request) {
  switch (request.request_case()) {
    case InternalRequest::kAuthEnable:
    case InternalRequest::kAuthDisable:
    case InternalRequest::kAuthStatus:
    case InternalRequest::kAuthenticate:
    case InternalRequest::kAuthUserAdd:
    case InternalRequest::kAuthUserDelete:
    case InternalRequest::kAuthUserGet:
    case InternalRequest::kAuthUserChangePassword:
    case InternalRequest::kAuthUserGrantRole:
    case InternalRequest::kAuthUserRevokeRole:
    case InternalRequest::kAuthUserList:
    case InternalRequest::kAuthRoleAdd:
    case InternalRequest::kAuthRoleDelete:
    case InternalRequest::kAuthRoleGet:
    case InternalRequest::kAuthRoleGrantPermission:
    case InternalRequest::kAuthRoleRevokePermission:
    case InternalRequest::kAuthRoleList:
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<google::protobuf::Message>> AuthStore::Apply(const InternalRequest& request,
                                                                    storage::WriteBatch* batch) {
  State next = *staged_;
  bool changed = false;
  Published invalidated;
  std::unique_ptr<google::protobuf::Message> reply;
  switch (request.request_case()) {
    case InternalRequest::kAuthEnable: {
      if (!next.enabled) {
        auto root = next.users.find(kRootName);
        if (root == next.users.end()) return Err(EtcdError::kRootUserNotExist);
        if (!next.HasRootRole(root->second)) return Err(EtcdError::kRootRoleNotExist);
        next.enabled = true;
        changed = true;
      }
      reply = Reply<etcdserverpb::AuthEnableResponse>();
      break;
    }
    case InternalRequest::kAuthDisable:
      if (next.enabled) {
        next.enabled = false;
        changed = true;
        invalidated.all_tokens_invalidated = true;
      }
      reply = Reply<etcdserverpb::AuthDisableResponse>();
      break;
    case InternalRequest::kAuthStatus: {
      auto r = std::make_unique<etcdserverpb::AuthStatusResponse>();
      r->set_enabled(next.enabled);
      r->set_authrevision(next.revision);
      reply = std::move(r);
      break;
    }
    case InternalRequest::kAuthenticate: {
      // The password was checked before proposing; the user may be gone.
      if (!next.users.contains(request.authenticate().name())) return Err(EtcdError::kAuthFailed);
      auto r = std::make_unique<etcdserverpb::AuthenticateResponse>();
      r->set_token(request.authenticate().simple_token());
      reply = std::move(r);
      break;
    }
    case InternalRequest::kAuthUserAdd: {
      const auto& add = request.auth_user_add();
      if (add.name().empty()) return Err(EtcdError::kUserEmpty);
      if (next.users.contains(add.name())) return Err(EtcdError::kUserAlreadyExist);
      authpb::User u;
      u.set_name(add.name());
      if (!add.options().no_password()) u.set_password(add.hashedpassword());
      *u.mutable_options() = add.options();
      next.users[add.name()] = std::move(u);
      changed = true;
      reply = Reply<etcdserverpb::AuthUserAddResponse>();
      break;
    }
    case InternalRequest::kAuthUserDelete: {
      const std::string& name = request.auth_user_delete().name();
      if (next.enabled && name == kRootName) return Err(EtcdError::kInvalidAuthMgmt);
      if (next.users.erase(name) == 0) return Err(EtcdError::kUserNotFound);
      invalidated.invalidated_users.push_back(name);
      changed = true;
      reply = Reply<etcdserverpb::AuthUserDeleteResponse>();
      break;
    }
    case InternalRequest::kAuthUserGet: {
      auto it = next.users.find(request.auth_user_get().name());
      if (it == next.users.end()) return Err(EtcdError::kUserNotFound);
      auto r = std::make_unique<etcdserverpb::AuthUserGetResponse>();
      for (const auto& role : it->second.roles()) r->add_roles(role);
      reply = std::move(r);
      break;
    }
    case InternalRequest::kAuthUserChangePassword: {
      const auto& change = request.auth_user_change_password();
      auto it = next.users.find(change.name());
      if (it == next.users.end()) return Err(EtcdError::kUserNotFound);
      it->second.set_password(change.hashedpassword());
      invalidated.invalidated_users.push_back(change.name());
      changed = true;
      reply = Reply<etcdserverpb::AuthUserChangePasswordResponse>();
      break;
    }
    case InternalRequest::kAuthUserGrantRole: {
      const auto& grant = request.auth_user_grant_role();
      auto it = next.users.find(grant.user());
      if (it == next.users.end()) return Err(EtcdError::kUserNotFound);
      if (grant.role() != kRootName && !next.roles.contains(grant.role())) {
        return Err(EtcdError::kRoleNotFound);
      }
      auto* roles = it->second.mutable_roles();
      if (std::find(roles->begin(), roles->end(), grant.role()) == roles->end()) {
        roles->Add(std::string(grant.role()));
        std::sort(roles->begin(), roles->end());
        changed = true;
      }
      reply = Reply<etcdserverpb::AuthUserGrantRoleResponse>();
      break;
    }
    case InternalRequest::kAuthUserRevokeRole: {
      const auto& revoke = request.auth_user_revoke_role();
      if (next.enabled && revoke.name() == kRootName && revoke.role() == kRootName) {
        return Err(EtcdError::kInvalidAuthMgmt);
      }
      auto it = next.users.find(revoke.name());
      if (it == next.users.end()) return Err(EtcdError::kUserNotFound);
      auto* roles = it->second.mutable_roles();
      auto role = std::find(roles->begin(), roles->end(), revoke.role());
      if (role == roles->end()) return Err(EtcdError::kRoleNotGranted);
      roles->erase(role);
      changed = true;
      reply = Reply<etcdserverpb::AuthUserRevokeRoleResponse>();
      break;
    }
    case InternalRequest::kAuthUserList: {
      auto r = std::make_unique<etcdserverpb::AuthUserListResponse>();
      for (const auto& [name, u] : next.users) r->add_users(name);
      reply = std::move(r);
      break;
    }
    case InternalRequest::kAuthRoleAdd: {
      const std::string& name = request.auth_role_add().name();
      if (name.empty()) return Err(EtcdError::kRoleEmpty);
      if (next.roles.contains(name)) return Err(EtcdError::kRoleAlreadyExist);
      authpb::Role role;
      role.set_name(name);
      next.roles[name] = std::move(role);
      changed = true;
      reply = Reply<etcdserverpb::AuthRoleAddResponse>();
      break;
    }
    case InternalRequest::kAuthRoleDelete: {
      const std::string& name = request.auth_role_delete().role();
      if (next.enabled && name == kRootName) return Err(EtcdError::kInvalidAuthMgmt);
      if (next.roles.erase(name) == 0) return Err(EtcdError::kRoleNotFound);
      for (auto& [user, u] : next.users) {
        auto* roles = u.mutable_roles();
        roles->erase(std::remove(roles->begin(), roles->end(), name), roles->end());
      }
      changed = true;
      reply = Reply<etcdserverpb::AuthRoleDeleteResponse>();
      break;
    }
    case InternalRequest::kAuthRoleGet: {
      const std::string& name = request.auth_role_get().role();
      auto it = next.roles.find(name);
      auto r = std::make_unique<etcdserverpb::AuthRoleGetResponse>();
      if (it != next.roles.end()) {
        for (const auto& p : it->second.keypermission()) *r->add_perm() = p;
      } else if (name != kRootName) {
        return Err(EtcdError::kRoleNotFound);
      }
      reply = std::move(r);
      break;
    }
    case InternalRequest::kAuthRoleGrantPermission: {
      const auto& grant = request.auth_role_grant_permission();
      auto it = next.roles.find(grant.name());
      if (it == next.roles.end()) return Err(EtcdError::kRoleNotFound);
      auto* perms = it->second.mutable_keypermission();
      auto same = std::find_if(perms->begin(), perms->end(), [&](const authpb::Permission& p) {
        return p.key() == grant.perm().key() && p.range_end() == grant.perm().range_end();
      });
      if (same != perms->end()) {
        same->set_permtype(grant.perm().permtype());
      } else {
        *perms->Add() = grant.perm();
        std::sort(perms->begin(), perms->end(),
                  [](const authpb::Permission& a, const authpb::Permission& b) {
                    return a.key() < b.key() ||
                           (a.key() == b.key() && a.range_end() < b.range_end());
                  });
      }
      changed = true;
      reply = Reply<etcdserverpb::AuthRoleGrantPermissionResponse>();
      break;
    }
    case InternalRequest::kAuthRoleRevokePermission: {
      const auto& revoke = request.auth_role_revoke_permission();
      auto it = next.roles.find(revoke.role());
      if (it == next.roles.end()) return Err(EtcdError::kRoleNotFound);
      auto* perms = it->second.mutable_keypermission();
      auto same = std::find_if(perms->begin(), perms->end(), [&](const authpb::Permission& p) {
        return p.key() == revoke.key() && p.range_end() == revoke.range_end();
      });
      if (same == perms->end()) return Err(EtcdError::kPermissionNotGranted);
      perms->erase(same);
      changed = true;
      reply = Reply<etcdserverpb::AuthRoleRevokePermissionResponse>();
      break;
    }
    case InternalRequest::kAuthRoleList: {
      auto r = std::make_unique<etcdserverpb::AuthRoleListResponse>();
      for (const auto& [name, role] : next.roles) r->add_roles(name);
      reply = std::move(r);
      break;
    }
    default:
      STRATA_ASSERT_MSG(false, "not an auth request");
  }
  if (changed) {
    ++next.revision;
    batch->Put(storage::ColumnFamily::kMeta, StateKey(), next.Encode());
    *staged_ = std::move(next);
  }
  pending_ = std::move(invalidated);
  return reply;
}

namespace {

Status CheckTxn(const AuthStore& auth, std::string_view user, const etcdserverpb::TxnRequest& txn) {
  for (const etcdserverpb::Compare& c : txn.compare()) {
    STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kRead, c.key(), c.range_end()));
  }
  for (const auto* ops : {&txn.success(), &txn.failure()}) {
    for (const etcdserverpb::RequestOp& op : *ops) {
      if (op.has_request_range()) {
        const auto& r = op.request_range();
        STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kRead, r.key(), r.range_end()));
      } else if (op.has_request_put()) {
        const auto& p = op.request_put();
        STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kWrite, p.key(), ""));
        if (p.prev_kv()) STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kRead, p.key(), ""));
      } else if (op.has_request_delete_range()) {
        const auto& d = op.request_delete_range();
        STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kWrite, d.key(), d.range_end()));
        if (d.prev_kv()) {
          STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kRead, d.key(), d.range_end()));
        }
      } else if (op.has_request_txn()) {
        STRATA_RETURN_IF_ERROR(CheckTxn(auth, user, op.request_txn()));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckRequestPermitted(const AuthStore& auth, std::string_view user,
                             const InternalRequest& request, const LeaseTable& leases) {
  if (!auth.enabled()) return Status::Ok();
  switch (request.request_case()) {
    case InternalRequest::kRange: {
      const auto& r = request.range();
      return auth.Permitted(user, Access::kRead, r.key(), r.range_end());
    }
    case InternalRequest::kPut: {
      const auto& p = request.put();
      STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kWrite, p.key(), ""));
      return p.prev_kv() ? auth.Permitted(user, Access::kRead, p.key(), "") : Status::Ok();
    }
    case InternalRequest::kDeleteRange: {
      const auto& d = request.delete_range();
      STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kWrite, d.key(), d.range_end()));
      return d.prev_kv() ? auth.Permitted(user, Access::kRead, d.key(), d.range_end())
                         : Status::Ok();
    }
    case InternalRequest::kTxn:
      return CheckTxn(auth, user, request.txn());
    case InternalRequest::kLeaseRevoke: {
      std::optional<Lease> lease = leases.Get(request.lease_revoke().id());
      if (!lease) return Status::Ok();  // The revoke itself reports it missing.
      for (const std::string& key : lease->keys) {
        STRATA_RETURN_IF_ERROR(auth.Permitted(user, Access::kWrite, key, ""));
      }
      return Status::Ok();
    }
    default:
      // Compaction and LeaseGrant need no key rights; a user is still needed.
      if (user.empty()) return Err(EtcdError::kUserEmpty);
      return Status::Ok();
  }
}

AuthStore::Published AuthStore::Publish() {
  {
    std::lock_guard lock(mu_);
    *state_ = *staged_;
  }
  return std::exchange(pending_, Published{});
}

}  // namespace strata::kv
