#include "api/cluster_service.h"

#include <thread>

#include "api/etcd_state_machine.h"
#include "api/etcd_status.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

// How long a membership change waits for an earlier one to be applied.
constexpr int kConfChangeAttempts = 100;
constexpr auto kConfChangeRetryInterval = std::chrono::milliseconds(50);

using kv::EtcdError;
using kv::MakeEtcdError;

// Finishes reactor with status, or fills the response with fill() first.
void Finish(grpc::ServerUnaryReactor* reactor, const Status& status) {
  reactor->Finish(ToGrpcStatus(status));
}

bool LooksLikeUrl(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  std::string rest = url.substr(scheme_end + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return false;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Status ClusterService::ValidatePeerUrls(const google::protobuf::RepeatedPtrField<std::string>& urls,
                                        uint64_t except_id) const {
  if (urls.empty()) return MakeEtcdError(EtcdError::kMemberBadURLs);
  for (const auto& url : urls) {
    if (!LooksLikeUrl(url)) return MakeEtcdError(EtcdError::kMemberBadURLs);
    auto owner = deps_.members->find_by_peer_url(url);
    if (owner && owner->id() != except_id) return MakeEtcdError(EtcdError::kPeerURLExist);
  }
  return Status::Ok();
}

template <typename Response>
ClusterService::MembersDone ClusterService::AnswerWithMembers(grpc::ServerUnaryReactor* reactor,
                                                              Response* response) {
  return [this, reactor, response](Result<std::vector<etcdserverpb::Member>> members) {
    if (!members.ok()) return Finish(reactor, members.status());
    deps_.kv->FillHeader(response->mutable_header());
    for (auto& m : *members) *response->add_members() = std::move(m);
    reactor->Finish(grpc::Status::OK);
  };
}

void ClusterService::ChangeMembership(raft::ConfChange cc, MembersDone done, int attempt) {
  deps_.node->propose_conf_change(
      deps_.range, cc, [this, cc, done = std::move(done), attempt](node::ApplyResult applied) {
        // Raft takes one change at a time (and a new leader none until its
        // first entry applies): wait for the earlier one, as etcd does.
        if (applied.status.Is(StatusCode::kUnavailable) &&
            applied.status.message().find("already pending") != std::string::npos &&
            attempt < kConfChangeAttempts) {
          std::thread([this, cc, done, attempt] {
            std::this_thread::sleep_for(kConfChangeRetryInterval);
            ChangeMembership(cc, done, attempt + 1);
          }).detach();
          return;
        }
        if (!applied.status.ok()) {
          // Raft refuses a change while another is pending.
          if (applied.status.Is(StatusCode::kFailedPrecondition)) {
            return done(Status::FailedPrecondition("etcdserver: " + applied.status.message()));
          }
          return done(ToEtcdStatus(applied.status));
        }
        auto* members = std::any_cast<MembersResponse>(&applied.response);
        if (members == nullptr) return done(Status::Internal("membership change had no result"));
        done(std::move(members->members));
      });
}

grpc::ServerUnaryReactor* ClusterService::MemberAdd(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::MemberAddRequest* request,
                                                    etcdserverpb::MemberAddResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (deps_.auth != nullptr) {
    Status admin = deps_.auth->RequireAdmin(*context);
    if (!admin.ok()) {
      Finish(reactor, admin);
      return reactor;
    }
  }
  Status valid = ValidatePeerUrls(request->peerurls(), 0);
  if (!valid.ok()) {
    Finish(reactor, valid);
    return reactor;
  }
  std::vector<std::string> urls(request->peerurls().begin(), request->peerurls().end());
  uint64_t id = deps_.member_id_for(urls);
  if (deps_.members->find(id)) {
    Finish(reactor, MakeEtcdError(EtcdError::kMemberExist));
    return reactor;
  }
  etcdserverpb::Member member;
  member.set_id(id);
  member.mutable_peerurls()->CopyFrom(request->peerurls());
  member.set_islearner(request->islearner());
  raft::ConfChange cc;
  cc.changes = {
      {request->islearner() ? raft::ConfChangeType::kAddLearner : raft::ConfChangeType::kAddNode,
       raft::NodeId(id)}};
  cc.context = member.SerializeAsString();
  *response->mutable_member() = member;
  ChangeMembership(std::move(cc), AnswerWithMembers(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ClusterService::MemberRemove(
    grpc::CallbackServerContext* context, const etcdserverpb::MemberRemoveRequest* request,
    etcdserverpb::MemberRemoveResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (deps_.auth != nullptr) {
    Status admin = deps_.auth->RequireAdmin(*context);
    if (!admin.ok()) {
      Finish(reactor, admin);
      return reactor;
    }
  }
  if (!deps_.members->find(request->id())) {
    Finish(reactor, MakeEtcdError(EtcdError::kMemberNotFound));
    return reactor;
  }
  raft::ConfChange cc;
  cc.changes = {{raft::ConfChangeType::kRemoveNode, raft::NodeId(request->id())}};
  ChangeMembership(std::move(cc), AnswerWithMembers(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ClusterService::MemberUpdate(
    grpc::CallbackServerContext* context, const etcdserverpb::MemberUpdateRequest* request,
    etcdserverpb::MemberUpdateResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (deps_.auth != nullptr) {
    Status admin = deps_.auth->RequireAdmin(*context);
    if (!admin.ok()) {
      Finish(reactor, admin);
      return reactor;
    }
  }
  if (!deps_.members->find(request->id())) {
    Finish(reactor, MakeEtcdError(EtcdError::kMemberNotFound));
    return reactor;
  }
  Status valid = ValidatePeerUrls(request->peerurls(), request->id());
  if (!valid.ok()) {
    Finish(reactor, valid);
    return reactor;
  }
  requestpb::InternalRequest internal;
  auto* attrs = internal.mutable_member_attributes();
  attrs->set_id(request->id());
  attrs->set_update_peer_urls(true);
  attrs->mutable_peer_urls()->CopyFrom(request->peerurls());
  deps_.node->propose(deps_.range, internal.SerializeAsString(),
                      [this, reactor, response](node::ApplyResult applied) {
                        if (!applied.status.ok()) return Finish(reactor, applied.status);
                        auto* members = std::any_cast<MembersResponse>(&applied.response);
                        deps_.kv->FillHeader(response->mutable_header());
                        if (members != nullptr) {
                          for (auto& m : members->members) *response->add_members() = m;
                        }
                        reactor->Finish(grpc::Status::OK);
                      });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterService::MemberList(grpc::CallbackServerContext* context,
                                                     const etcdserverpb::MemberListRequest* request,
                                                     etcdserverpb::MemberListResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto answer = [this, reactor, response] {
    deps_.kv->FillHeader(response->mutable_header());
    for (auto& m : deps_.members->list()) *response->add_members() = std::move(m);
    reactor->Finish(grpc::Status::OK);
  };
  if (!request->linearizable()) {
    answer();
    return reactor;
  }
  deps_.node->read_index(deps_.range, [reactor, answer](node::ReadResult ready) {
    if (!ready.ok()) return Finish(reactor, ready.status());
    answer();
  });
  return reactor;
}

grpc::ServerUnaryReactor* ClusterService::MemberPromote(
    grpc::CallbackServerContext* context, const etcdserverpb::MemberPromoteRequest* request,
    etcdserverpb::MemberPromoteResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (deps_.auth != nullptr) {
    Status admin = deps_.auth->RequireAdmin(*context);
    if (!admin.ok()) {
      Finish(reactor, admin);
      return reactor;
    }
  }
  auto member = deps_.members->find(request->id());
  if (!member) {
    Finish(reactor, MakeEtcdError(EtcdError::kMemberNotFound));
    return reactor;
  }
  if (!member->islearner()) {
    Finish(reactor, MakeEtcdError(EtcdError::kMemberNotLearner));
    return reactor;
  }
  // Like etcd, promote only a learner whose log is close to the leader's
  // (within 10%); only the leader knows, so followers skip the check.
  auto status = deps_.node->status(deps_.range);
  if (status.ok() && status->soft_state.role == raft::Role::kLeader) {
    for (const auto& peer : status->peers) {
      if (peer.id.value() != request->id()) continue;
      uint64_t leader_match = status->last_index.value();
      if (peer.match.value() * 10 < leader_match * 9) {
        Finish(reactor, MakeEtcdError(EtcdError::kLearnerNotReady));
        return reactor;
      }
    }
  }
  raft::ConfChange cc;
  cc.changes = {{raft::ConfChangeType::kAddNode, raft::NodeId(request->id())}};
  ChangeMembership(std::move(cc), AnswerWithMembers(reactor, response));
  return reactor;
}

}  // namespace strata::api
