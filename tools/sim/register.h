// The replicated state machine of the simulation: an append-only register of
// applied client commands, summarized by its length and a hash chain.
//
// Two replicas that applied the same commands in the same order have equal
// (count, hash); the checkers compare these at every apply. The snapshot image
// is the summary plus the applied index, so restoring is O(1).
//
// Thread-safety: none (a value type).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "raft/types.h"

namespace strata::sim {

struct RegisterState {
  uint64_t count = 0;  // Commands applied so far; a command's position is 1-based.
  uint64_t hash = 0;   // Hash chain over the applied commands.
  bool operator==(const RegisterState&) const = default;
};

class Register {
 public:
  // Appends a command. REQUIRES: !cmd.empty().
  void apply(std::string_view cmd);
  const RegisterState& state() const { return state_; }
  const std::string& last() const { return last_; }

  // Snapshot image as of raft index `applied`.
  std::string Encode(raft::Index applied) const;
  // Restores from an image. The empty image (a bootstrap snapshot) is the empty
  // register. Returns false, changing nothing, on malformed input.
  bool Decode(std::string_view image, raft::Index* applied);

  // hash' = H(hash, cmd); exposed so checkers can recompute chains.
  static uint64_t Chain(uint64_t hash, std::string_view cmd);

 private:
  RegisterState state_;
  std::string last_;
};

}  // namespace strata::sim
