// Proposing an etcd request through raft and answering with the response it
// applies to, for every service that writes (KV, Lease, Auth...).
#pragma once

#include <any>
#include <functional>
#include <variant>

#include "api/etcd_status.h"
#include "api/kv_frontend.h"
#include "kv/applier.h"
#include "node/node.h"
#include "strata/request.pb.h"

namespace strata::api {

// Picks the response of type T out of an applied command's result: the
// node's error, the request's own etcd error, or the response.
template <typename T>
Result<T> ExtractResponse(node::ApplyResult& applied) {
  if (!applied.status.ok()) return ToEtcdStatus(applied.status);
  auto* response = std::any_cast<kv::ApplyResponse>(&applied.response);
  if (response == nullptr) return Status::Internal("applied command returned no kv response");
  if (!response->error.ok()) return ToEtcdStatus(response->error);
  T* typed = std::get_if<T>(&response->response);
  if (typed == nullptr) return Status::Internal("applied command returned the wrong response");
  return std::move(*typed);
}

// Proposes request on range and calls done with its response of type T,
// header completed by fill_header (cluster id, member id, raft term).
template <typename T>
void ProposeRequest(node::Node* node, raft::RangeId range,
                    const requestpb::InternalRequest& request,
                    std::function<void(etcdserverpb::ResponseHeader*)> fill_header, Done<T> done) {
  node->propose(
      range, request.SerializeAsString(),
      [fill_header = std::move(fill_header), done = std::move(done)](node::ApplyResult applied) {
        Result<T> response = ExtractResponse<T>(applied);
        if (response.ok()) fill_header(response->mutable_header());
        done(std::move(response));
      });
}

}  // namespace strata::api
