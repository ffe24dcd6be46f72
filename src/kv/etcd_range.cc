// etcd's Range (apply.go, applierV3backend.Range), over RangeOptions.
#include <algorithm>
#include <functional>
#include <limits>

#include "kv/etcd_errors.h"
#include "kv/etcd_ops.h"

namespace strata::kv {
namespace {

using etcdserverpb::RangeRequest;

// Drops the key-values for which prune returns true, keeping the order.
void Prune(std::vector<KeyValue>* kvs, const std::function<bool(const KeyValue&)>& prune) {
  kvs->erase(std::remove_if(kvs->begin(), kvs->end(), prune), kvs->end());
}

// Strict weak order of target. REQUIRES: target is a valid SortTarget.
std::function<bool(const KeyValue&, const KeyValue&)> Less(RangeRequest::SortTarget target) {
  switch (target) {
    case RangeRequest::KEY:
      return [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; };
    case RangeRequest::VERSION:
      return [](const KeyValue& a, const KeyValue& b) { return a.version < b.version; };
    case RangeRequest::CREATE:
      return [](const KeyValue& a, const KeyValue& b) {
        return a.create_revision < b.create_revision;
      };
    case RangeRequest::MOD:
      return [](const KeyValue& a, const KeyValue& b) { return a.mod_revision < b.mod_revision; };
    case RangeRequest::VALUE:
      return [](const KeyValue& a, const KeyValue& b) { return a.value < b.value; };
    default:
      break;
  }
  STRATA_ASSERT_MSG(false, "invalid sort target");
  return {};
}

}  // namespace

void ToProto(const KeyValue& kv, mvccpb::KeyValue* out) {
  out->set_key(kv.key);
  out->set_create_revision(kv.create_revision);
  out->set_mod_revision(kv.mod_revision);
  out->set_version(kv.version);
  out->set_value(kv.value);
  out->set_lease(kv.lease);
}

Result<etcdserverpb::RangeResponse> ExecuteRange(const OpsView& view, const RangeRequest& r) {
  if (!RangeRequest::SortOrder_IsValid(r.sort_order()) ||
      !RangeRequest::SortTarget_IsValid(r.sort_target())) {
    return MakeEtcdError(EtcdError::kInvalidSortOption);
  }
  const bool filtered = r.min_mod_revision() != 0 || r.max_mod_revision() != 0 ||
                        r.min_create_revision() != 0 || r.max_create_revision() != 0;
  RangeOptions options;
  options.revision = r.revision();
  options.count_only = r.count_only();
  // Values are dropped after sorting, which may need them.
  options.keys_only = r.keys_only() && r.sort_target() != RangeRequest::VALUE;
  // As etcd: read everything when the request asks for an order or a
  // filter, else one more than the limit (to tell `more`). An implied
  // ascending order (sort_order NONE with a target other than KEY) keeps the
  // limit: etcd then sorts only the first limit+1 keys.
  if (r.limit() > 0 && r.sort_order() == RangeRequest::NONE && !filtered &&
      r.limit() < std::numeric_limits<int64_t>::max()) {
    options.limit = r.limit() + 1;
  }
  Result<RangeResult> read = view.Range(r.key(), r.range_end(), options);
  if (!read.ok()) return ToEtcdStatus(read.status());
  std::vector<KeyValue>& kvs = read->kvs;

  if (r.max_mod_revision() != 0) {
    Prune(&kvs, [&](const KeyValue& kv) { return kv.mod_revision > r.max_mod_revision(); });
  }
  if (r.min_mod_revision() != 0) {
    Prune(&kvs, [&](const KeyValue& kv) { return kv.mod_revision < r.min_mod_revision(); });
  }
  if (r.max_create_revision() != 0) {
    Prune(&kvs, [&](const KeyValue& kv) { return kv.create_revision > r.max_create_revision(); });
  }
  if (r.min_create_revision() != 0) {
    Prune(&kvs, [&](const KeyValue& kv) { return kv.create_revision < r.min_create_revision(); });
  }

  RangeRequest::SortOrder order = r.sort_order();
  // Results come in key order; any other target defaults to ascending.
  if (r.sort_target() != RangeRequest::KEY && order == RangeRequest::NONE) {
    order = RangeRequest::ASCEND;
  }
  if (order != RangeRequest::NONE) {
    // etcd's sort is not stable; ties keep key order here (deterministic).
    auto less = Less(r.sort_target());
    if (order == RangeRequest::ASCEND) {
      std::stable_sort(kvs.begin(), kvs.end(), less);
    } else {
      std::stable_sort(kvs.begin(), kvs.end(),
                       [&](const KeyValue& a, const KeyValue& b) { return less(b, a); });
    }
  }

  etcdserverpb::RangeResponse response;
  if (r.limit() > 0 && static_cast<int64_t>(kvs.size()) > r.limit()) {
    kvs.resize(static_cast<size_t>(r.limit()));
    response.set_more(true);
  }
  response.mutable_header()->set_revision(read->revision);
  response.set_count(read->count);
  for (KeyValue& kv : kvs) {
    if (r.keys_only()) kv.value.clear();
    ToProto(kv, response.add_kvs());
  }
  return response;
}

}  // namespace strata::kv
