#include "client/batching.h"

#include <set>
#include <string_view>

namespace strata::client::internal {

std::vector<std::vector<size_t>> PlanBatches(const std::vector<std::string>& keys, int max_ops) {
  std::vector<std::vector<size_t>> batches;
  std::set<std::string_view> in_batch;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (batches.empty() || batches.back().size() >= static_cast<size_t>(max_ops) ||
        in_batch.contains(keys[i])) {
      batches.emplace_back();
      in_batch.clear();
    }
    batches.back().push_back(i);
    in_batch.insert(keys[i]);
  }
  return batches;
}

const std::string* FirstDuplicate(const std::vector<std::string>& keys) {
  std::set<std::string_view> seen;
  for (const std::string& k : keys) {
    if (!seen.insert(k).second) return &k;
  }
  return nullptr;
}

}  // namespace strata::client::internal
