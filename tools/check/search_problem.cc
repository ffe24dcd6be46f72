#include "tools/check/search_problem.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

namespace strata::check {

namespace {

// The parts of an info op that decide its step; the rest is normalized.
using Effect = std::tuple<OpKind, int32_t, CasCompare, int64_t, int32_t>;

Effect EffectOf(const ModelOp& m) {
  const bool cas = m.kind == OpKind::kCas;
  const bool by_value = cas && m.compare == CasCompare::kValue;
  return {m.kind, m.kind == OpKind::kDelete ? 0 : m.value, cas ? m.compare : CasCompare::kVersion,
          cas && !by_value ? m.expected_version : 0, by_value ? m.expected_value : 0};
}

void Describe(const ModelOp& m, SearchProblem* p) {
  const bool writes = m.kind == OpKind::kPut || (m.kind == OpKind::kCas && (m.info || m.succeeded));
  p->writes.push_back(writes ? m.value : kUnobserved);
  const bool ok_get = !m.info && m.kind == OpKind::kGet;
  const bool by_value = m.kind == OpKind::kCas && m.compare == CasCompare::kValue;
  int32_t needs = kUnobserved;
  if (ok_get && m.read_value != kAbsent) needs = m.read_value;
  if (by_value && !m.info && m.succeeded) needs = m.expected_value;
  p->needs.push_back(needs);
  int32_t compares = kUnobserved;
  if (ok_get && m.read_value != kAbsent) compares = m.read_value;
  if (by_value) compares = m.expected_value;
  p->compares.push_back(compares);
  p->compares_version.push_back((ok_get && m.read_version >= 0) ||
                                (m.kind == OpKind::kCas && m.compare == CasCompare::kVersion));
  p->values = std::max({p->values, p->writes.back(), needs, compares});
}

}  // namespace

SearchProblem PrepareSearch(std::span<const Op* const> all) {
  std::vector<const Op*> ops;
  for (const Op* op : all) {
    if (op->outcome == Outcome::kInfo && op->call.kind == OpKind::kGet) continue;
    ops.push_back(op);
  }
  const std::vector<ModelOp> model = CompileOps(ops);
  std::vector<uint32_t> order(ops.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (model[a].info != model[b].info) return model[b].info;
    return std::make_pair(ops[a]->invoke_ns, ops[a]->deadline_ns()) <
           std::make_pair(ops[b]->invoke_ns, ops[b]->deadline_ns());
  });
  SearchProblem p;
  std::map<Effect, uint32_t> group_ids;
  for (uint32_t i : order) {
    const ModelOp& m = model[i];
    const uint32_t id = static_cast<uint32_t>(p.ops.size());
    p.ops.push_back(m);
    p.invoke.push_back(ops[i]->invoke_ns);
    p.deadline.push_back(ops[i]->deadline_ns());
    Describe(m, &p);
    if (!m.info) {
      ++p.ok_ops;
      continue;
    }
    if (m.kind == OpKind::kPut && m.value != kUnobserved) p.observed_info_puts.push_back(id);
    auto [it, added] = group_ids.emplace(EffectOf(m), static_cast<uint32_t>(p.groups.size()));
    if (added) p.groups.emplace_back();
    if (m.kind == OpKind::kDelete) p.delete_group = static_cast<int32_t>(it->second);
    if (m.kind == OpKind::kPut && m.value == kUnobserved) {
      p.unobserved_group = static_cast<int32_t>(it->second);
    }
    p.groups[it->second].push_back(id);
    p.group_of.push_back(it->second);
  }
  p.needers.resize(p.values + 1);
  for (uint32_t id = 0; id < p.ok_ops; ++id) {
    if (p.needs[id] != kUnobserved) p.needers[p.needs[id]].push_back(id);
  }
  return p;
}

}  // namespace strata::check
