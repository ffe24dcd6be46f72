// A member that has not applied a permission change yet must not judge a
// linearizable request by its stale permissions: as in etcd, a
// linearizable read is checked after its ReadIndex (when the member has
// applied everything committed before it), and a write where it applies.
// Only a serializable read may see the stale permissions, as it may see
// stale data.
//
// The member is held behind by cutting it off from its peers (the fault
// switch), so the grant it has not applied is certain, not a race.
#include <gtest/gtest.h>

#include "etcd/authpb/auth.pb.h"
#include "tests/chaos/chaos_cluster.h"

namespace strata::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::WaitFor;

class AuthClient {
 public:
  using Stub = etcdserverpb::Auth::Stub;
  explicit AuthClient(Stubs& s) : stub_(etcdserverpb::Auth::NewStub(s.channel)) {}

  // Runs one Auth call with a 10 s deadline and, if given, a token.
  template <typename Request, typename Response>
  grpc::Status Run(grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, const std::string& token = "",
                   Response* response = nullptr) {
    grpc::ClientContext ctx;
    SetTimeout(&ctx, milliseconds(10000));
    if (!token.empty()) ctx.AddMetadata("token", token);
    Response ignored;
    return (stub_.get()->*call)(&ctx, request, response != nullptr ? response : &ignored);
  }

  grpc::Status AddUser(const std::string& name, const std::string& password) {
    etcdserverpb::AuthUserAddRequest r;
    r.set_name(name);
    r.set_password(password);
    return Run(&Stub::UserAdd, r);
  }
  grpc::Status AddRole(const std::string& name) {
    etcdserverpb::AuthRoleAddRequest r;
    r.set_name(name);
    return Run(&Stub::RoleAdd, r);
  }
  grpc::Status GrantRole(const std::string& user, const std::string& role) {
    etcdserverpb::AuthUserGrantRoleRequest r;
    r.set_user(user);
    r.set_role(role);
    return Run(&Stub::UserGrantRole, r);
  }
  grpc::Status Enable() { return Run(&Stub::AuthEnable, etcdserverpb::AuthEnableRequest()); }
  grpc::Status GrantReadWrite(const std::string& role, const std::string& key,
                              const std::string& range_end, const std::string& token) {
    etcdserverpb::AuthRoleGrantPermissionRequest r;
    r.set_name(role);
    r.mutable_perm()->set_permtype(authpb::Permission::READWRITE);
    r.mutable_perm()->set_key(key);
    r.mutable_perm()->set_range_end(range_end);
    return Run(&Stub::RoleGrantPermission, r, token);
  }
  Result<std::string> Token(const std::string& name, const std::string& password) {
    etcdserverpb::AuthenticateRequest r;
    r.set_name(name);
    r.set_password(password);
    etcdserverpb::AuthenticateResponse response;
    grpc::Status s = Run(&Stub::Authenticate, r, "", &response);
    if (!s.ok()) return Status::Unavailable("authenticate " + name + ": " + s.error_message());
    return response.token();
  }

 private:
  std::unique_ptr<Stub> stub_;
};

grpc::Status Get(Stubs& s, const std::string& key, const std::string& token, bool serializable,
                 milliseconds timeout, std::string* value = nullptr) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  request.set_serializable(serializable);
  grpc::ClientContext ctx;
  SetTimeout(&ctx, timeout);
  ctx.AddMetadata("token", token);
  etcdserverpb::RangeResponse response;
  grpc::Status status = s.kv->Range(&ctx, request, &response);
  if (status.ok() && value != nullptr) {
    *value = response.kvs_size() == 1 ? response.kvs(0).value() : "<absent>";
  }
  return status;
}

grpc::Status Put(Stubs& s, const std::string& key, const std::string& value,
                 const std::string& token, milliseconds timeout) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  grpc::ClientContext ctx;
  SetTimeout(&ctx, timeout);
  if (!token.empty()) ctx.AddMetadata("token", token);
  etcdserverpb::PutResponse response;
  return s.kv->Put(&ctx, request, &response);
}

TEST(StaleAuthTest, AMemberBehindOnAGrantStillServesLinearizableRequestsByIt) {
  ChaosCluster c(3);
  ASSERT_TRUE(c.Start().ok());
  const int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  int behind = -1;
  int other = -1;
  for (int slot : c.members()) {
    if (slot == leader) continue;
    (behind < 0 ? behind : other) = slot;
  }
  Stubs& via_leader = c.stubs(leader);
  AuthClient auth(via_leader);

  // A user whose role grants nothing yet, and a key it will be allowed.
  ASSERT_TRUE(Put(via_leader, "app/k", "v", "", milliseconds(10000)).ok());
  ASSERT_TRUE(auth.AddUser("root", "rootpw").ok());
  ASSERT_TRUE(auth.GrantRole("root", "root").ok());
  ASSERT_TRUE(auth.AddUser("app", "apppw").ok());
  ASSERT_TRUE(auth.AddRole("app-role").ok());
  ASSERT_TRUE(auth.GrantRole("app", "app-role").ok());
  ASSERT_TRUE(auth.Enable().ok());
  Result<std::string> root = auth.Token("root", "rootpw");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  Result<std::string> app = auth.Token("app", "apppw");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  // Every member knows both tokens before one of them is cut off.
  ASSERT_TRUE(c.WaitCaughtUp().ok());
  Stubs& lagging = c.stubs(behind);
  EXPECT_EQ(Get(lagging, "app/k", *app, /*serializable=*/true, milliseconds(10000)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The grant commits on the two others while `behind` hears nothing.
  ASSERT_TRUE(c.Block({{behind, {leader, other}}}).ok());
  ASSERT_TRUE(auth.GrantReadWrite("app-role", "app/", "app0", *root).ok());

  // Serializable: `behind` answers from what it has applied, stale
  // permissions included.
  EXPECT_EQ(Get(lagging, "app/k", *app, /*serializable=*/true, milliseconds(10000)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Linearizable, and writes: not refused by the stale permissions. They
  // wait for the cluster, which `behind` cannot reach (deadline or
  // unavailable, never permission denied).
  grpc::Status read = Get(lagging, "app/k", *app, /*serializable=*/false, milliseconds(2000));
  EXPECT_NE(read.error_code(), grpc::StatusCode::PERMISSION_DENIED) << read.error_message();
  EXPECT_FALSE(read.ok());
  grpc::Status write = Put(lagging, "app/w", "x", *app, milliseconds(2000));
  EXPECT_NE(write.error_code(), grpc::StatusCode::PERMISSION_DENIED) << write.error_message();

  // Reconnected, `behind` serves both by the new permissions.
  ASSERT_TRUE(c.HealNetwork().ok());
  std::string value;
  grpc::Status last;
  EXPECT_TRUE(WaitFor(
      [&] {
        last = Get(lagging, "app/k", *app, /*serializable=*/false, milliseconds(5000), &value);
        return last.ok();
      },
      seconds(30)))
      << last.error_message() << "\n"
      << c.LogTail(behind);
  EXPECT_EQ(value, "v");
  EXPECT_TRUE(WaitFor(
      [&] {
        last = Put(lagging, "app/w", "y", *app, milliseconds(5000));
        return last.ok();
      },
      seconds(30)))
      << last.error_message();
  // Permissions still hold where they apply: outside app/, a write is
  // refused through any member.
  EXPECT_EQ(Put(lagging, "other", "z", *app, milliseconds(10000)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Put(via_leader, "other", "z", *app, milliseconds(10000)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace strata::chaos
