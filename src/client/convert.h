// Between the etcd protocol's messages and the client's value types.
//
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcd/mvccpb/kv.pb.h"
#include "strata/types.h"

namespace strata::client::internal {

KeyValue FromProto(const mvccpb::KeyValue& kv);
std::vector<KeyValue> FromProto(const google::protobuf::RepeatedPtrField<mvccpb::KeyValue>& kvs);
Member FromProto(const etcdserverpb::Member& m);

// "http://host:port" or "https://host:port" or "host:port" -> "host:port".
std::string TargetOf(std::string_view url);

// A Range request op for a Txn.
etcdserverpb::RequestOp RangeOp(const std::string& key, const std::string& range_end = {},
                                int64_t limit = 0);
etcdserverpb::RequestOp PutOp(const std::string& key, const std::string& value);
etcdserverpb::RequestOp DeleteOp(const std::string& key);

// Compares for a Txn: the key's version, or mod_revision, equals `value`
// (0: the key is absent).
etcdserverpb::Compare VersionIs(const std::string& key, int64_t version);
etcdserverpb::Compare ModRevisionIs(const std::string& key, int64_t mod_revision);

}  // namespace strata::client::internal
