// Helpers for applier tests: request builders and a fixture holding a
// MemoryEngine, an MvccStore and an Applier.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "kv/applier.h"
#include "kv/etcd_errors.h"
#include "kv/mvcc_test_util.h"
#include "storage/keys.h"

namespace strata::kv::testing {

using etcdserverpb::Compare;
using etcdserverpb::DeleteRangeRequest;
using etcdserverpb::PutRequest;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;
using requestpb::InternalRequest;

inline const std::string kNul("\0", 1);

inline PutRequest Put(std::string key, std::string value) {
  PutRequest p;
  p.set_key(std::move(key));
  p.set_value(std::move(value));
  return p;
}

inline DeleteRangeRequest Delete(std::string key, std::string range_end = "", bool prev = false) {
  DeleteRangeRequest d;
  d.set_key(std::move(key));
  d.set_range_end(std::move(range_end));
  d.set_prev_kv(prev);
  return d;
}

inline RangeRequest Get(std::string key, std::string range_end = "") {
  RangeRequest r;
  r.set_key(std::move(key));
  r.set_range_end(std::move(range_end));
  return r;
}

inline RequestOp Op(const PutRequest& p) {
  RequestOp op;
  *op.mutable_request_put() = p;
  return op;
}
inline RequestOp Op(const DeleteRangeRequest& d) {
  RequestOp op;
  *op.mutable_request_delete_range() = d;
  return op;
}
inline RequestOp Op(const RangeRequest& r) {
  RequestOp op;
  *op.mutable_request_range() = r;
  return op;
}
inline RequestOp Op(const TxnRequest& t) {
  RequestOp op;
  *op.mutable_request_txn() = t;
  return op;
}

// A compare of key (and range_end) on target with result against operand.
inline Compare Cmp(std::string key, Compare::CompareTarget target, Compare::CompareResult result,
                   int64_t operand, std::string range_end = "") {
  Compare c;
  c.set_key(std::move(key));
  c.set_range_end(std::move(range_end));
  c.set_target(target);
  c.set_result(result);
  switch (target) {
    case Compare::VERSION:
      c.set_version(operand);
      break;
    case Compare::CREATE:
      c.set_create_revision(operand);
      break;
    case Compare::MOD:
      c.set_mod_revision(operand);
      break;
    case Compare::LEASE:
      c.set_lease(operand);
      break;
    default:
      ADD_FAILURE() << "use CmpValue";
      break;
  }
  return c;
}

inline Compare CmpValue(std::string key, Compare::CompareResult result, std::string value,
                        std::string range_end = "") {
  Compare c;
  c.set_key(std::move(key));
  c.set_range_end(std::move(range_end));
  c.set_target(Compare::VALUE);
  c.set_result(result);
  c.set_value(std::move(value));
  return c;
}

inline InternalRequest Request(const PutRequest& p) {
  InternalRequest r;
  *r.mutable_put() = p;
  return r;
}
inline InternalRequest Request(const DeleteRangeRequest& d) {
  InternalRequest r;
  *r.mutable_delete_range() = d;
  return r;
}
inline InternalRequest Request(const RangeRequest& g) {
  InternalRequest r;
  *r.mutable_range() = g;
  return r;
}
inline InternalRequest Request(const TxnRequest& t) {
  InternalRequest r;
  *r.mutable_txn() = t;
  return r;
}
inline InternalRequest Compaction(int64_t revision, bool physical = false) {
  InternalRequest r;
  r.mutable_compaction()->set_revision(revision);
  r.mutable_compaction()->set_physical(physical);
  return r;
}

inline std::string Serialize(const InternalRequest& request) {
  std::string out;
  STRATA_ASSERT(request.SerializeToString(&out));
  return out;
}

// What the node adds to every apply: the applied index.
inline storage::WriteBatch AppliedIndex(uint64_t index) {
  storage::WriteBatch batch;
  batch.Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1),
            storage::EncodeFixed64BigEndian(index));
  return batch;
}

class ApplierTestBase : public ::testing::Test {
 protected:
  ApplierTestBase() : store_(OpenStore(&engine_)), applier_(store_.get()) {}

  // Applies request through its serialized form with the next applied index.
  ApplyResponse Apply(const InternalRequest& request) {
    auto applied = applier_.Apply(Serialize(request), AppliedIndex(++index_));
    STRATA_ASSERT_MSG(applied.ok(), applied.status().ToString());
    return std::move(applied).value();
  }

  template <typename T>
  T ApplyOk(const InternalRequest& request) {
    ApplyResponse r = Apply(request);
    EXPECT_TRUE(r.error.ok()) << r.error.ToString();
    if (!std::holds_alternative<T>(r.response)) {
      ADD_FAILURE() << "unexpected response kind " << r.response.index();
      return T();
    }
    return std::get<T>(std::move(r.response));
  }

  etcdserverpb::PutResponse DoPut(const std::string& key, const std::string& value) {
    return ApplyOk<etcdserverpb::PutResponse>(Request(Put(key, value)));
  }
  etcdserverpb::PutResponse DoPut(const PutRequest& p) {
    return ApplyOk<etcdserverpb::PutResponse>(Request(p));
  }
  etcdserverpb::DeleteRangeResponse DoDelete(const DeleteRangeRequest& d) {
    return ApplyOk<etcdserverpb::DeleteRangeResponse>(Request(d));
  }
  etcdserverpb::TxnResponse DoTxn(const TxnRequest& t) {
    return ApplyOk<etcdserverpb::TxnResponse>(Request(t));
  }
  etcdserverpb::RangeResponse DoRange(const RangeRequest& g) {
    auto r = applier_.Range(g);
    STRATA_ASSERT_MSG(r.ok(), r.status().ToString());
    return std::move(r).value();
  }
  Status RangeError(const RangeRequest& g) { return applier_.Range(g).status(); }

  // The applied index stored in the engine.
  uint64_t StoredAppliedIndex() {
    auto v = engine_.Get(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1));
    STRATA_ASSERT(v.ok());
    return v->has_value() ? storage::DecodeFixed64BigEndian(**v) : 0;
  }

  std::vector<std::string> Keys(const etcdserverpb::RangeResponse& r) {
    std::vector<std::string> keys;
    for (const auto& kv : r.kvs()) keys.push_back(kv.key());
    return keys;
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
  Applier applier_;
  uint64_t index_ = 0;
};

}  // namespace strata::kv::testing
