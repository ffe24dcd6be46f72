// How multi_put splits its entries into Txns.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace strata::client::internal {

// Non-atomic batches: entries in order, a new batch whenever the current one
// holds max_ops entries or already has the entry's key (etcd refuses a Txn
// that puts one key twice). So batches keep the entries' order, and of
// repeated keys the last entry is applied last. Returns indexes into keys.
// REQUIRES: max_ops >= 1.
std::vector<std::vector<size_t>> PlanBatches(const std::vector<std::string>& keys, int max_ops);

// The first key that appears twice, or nullptr.
const std::string* FirstDuplicate(const std::vector<std::string>& keys);

}  // namespace strata::client::internal
