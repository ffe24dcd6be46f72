#include "tools/check/kv_model.h"

#include <string>
#include <unordered_map>

namespace strata::check {

namespace {

bool CompareHolds(const ModelOp& op, const KvState& s) {
  if (op.compare == CasCompare::kVersion) return s.version == op.expected_version;
  return s.value != kAbsent && s.value == op.expected_value;
}

void Write(int32_t value, KvState* s) {
  s->value = value;
  s->version += 1;
}

}  // namespace

bool Step(const ModelOp& op, KvState* s) {
  switch (op.kind) {
    case OpKind::kGet:
      if (op.info) return false;
      if (op.read_value == kAbsent) return s->value == kAbsent;
      return s->value == op.read_value && (op.read_version < 0 || op.read_version == s->version);
    case OpKind::kPut:
      Write(op.value, s);
      return true;
    case OpKind::kDelete: {
      const bool present = s->value != kAbsent;
      if (op.info && !present) return false;
      if (!op.info && op.deleted >= 0 && (op.deleted == 1) != present) return false;
      *s = KvState();
      return true;
    }
    case OpKind::kCas: {
      const bool holds = CompareHolds(op, *s);
      if (!op.info && !op.succeeded) return !holds;
      if (!holds) return false;
      Write(op.value, s);
      return true;
    }
  }
  return false;
}

std::vector<ModelOp> CompileOps(std::span<const Op* const> ops) {
  // Ids 1, 2, ... for observed values, in order of first observation.
  std::unordered_map<std::string, int32_t> ids;
  auto observe = [&ids](const std::string& v) {
    return ids.emplace(v, static_cast<int32_t>(ids.size()) + 1).first->second;
  };
  for (const Op* op : ops) {
    if (op->call.kind == OpKind::kGet && op->outcome == Outcome::kOk && op->reply.value) {
      observe(*op->reply.value);
    }
    if (op->call.kind == OpKind::kCas && op->call.compare == CasCompare::kValue) {
      observe(op->call.expected_value);
    }
  }
  auto id_of = [&ids](const std::string& v) {
    auto it = ids.find(v);
    return it == ids.end() ? kUnobserved : it->second;
  };
  std::vector<ModelOp> out;
  out.reserve(ops.size());
  for (const Op* op : ops) {
    ModelOp m;
    const Call& c = op->call;
    m.kind = c.kind;
    m.info = op->outcome == Outcome::kInfo;
    m.value = id_of(c.value);
    m.compare = c.compare;
    m.expected_version = c.expected_version;
    m.expected_value = id_of(c.expected_value);
    if (!m.info) {
      const Reply& r = op->reply;
      m.read_value = r.value ? id_of(*r.value) : kAbsent;
      m.read_version = r.version.value_or(-1);
      m.succeeded = r.succeeded;
      m.deleted = r.deleted ? static_cast<int8_t>(*r.deleted) : int8_t{-1};
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace strata::check
