#include "client/convert.h"

namespace strata::client::internal {

KeyValue FromProto(const mvccpb::KeyValue& kv) {
  KeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  return out;
}

std::vector<KeyValue> FromProto(const google::protobuf::RepeatedPtrField<mvccpb::KeyValue>& kvs) {
  std::vector<KeyValue> out;
  out.reserve(kvs.size());
  for (const auto& kv : kvs) out.push_back(FromProto(kv));
  return out;
}

Member FromProto(const etcdserverpb::Member& m) {
  Member out;
  out.id = m.id();
  out.name = m.name();
  out.client_urls.assign(m.clienturls().begin(), m.clienturls().end());
  out.peer_urls.assign(m.peerurls().begin(), m.peerurls().end());
  out.is_learner = m.islearner();
  return out;
}

std::string TargetOf(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme) url.remove_prefix(scheme.size());
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

etcdserverpb::RequestOp RangeOp(const std::string& key, const std::string& range_end,
                                int64_t limit) {
  etcdserverpb::RequestOp op;
  auto* r = op.mutable_request_range();
  r->set_key(key);
  r->set_range_end(range_end);
  r->set_limit(limit);
  return op;
}

etcdserverpb::RequestOp PutOp(const std::string& key, const std::string& value) {
  etcdserverpb::RequestOp op;
  op.mutable_request_put()->set_key(key);
  op.mutable_request_put()->set_value(value);
  return op;
}

etcdserverpb::RequestOp DeleteOp(const std::string& key) {
  etcdserverpb::RequestOp op;
  op.mutable_request_delete_range()->set_key(key);
  return op;
}

etcdserverpb::Compare VersionIs(const std::string& key, int64_t version) {
  etcdserverpb::Compare c;
  c.set_key(key);
  c.set_target(etcdserverpb::Compare::VERSION);
  c.set_result(etcdserverpb::Compare::EQUAL);
  c.set_version(version);
  return c;
}

etcdserverpb::Compare ModRevisionIs(const std::string& key, int64_t mod_revision) {
  etcdserverpb::Compare c;
  c.set_key(key);
  c.set_target(etcdserverpb::Compare::MOD);
  c.set_result(etcdserverpb::Compare::EQUAL);
  c.set_mod_revision(mod_revision);
  return c;
}

}  // namespace strata::client::internal
