// A StateMachine for node-layer tests: appends each command to a list and
// stores it under its index in cf mvcc; snapshots carry the whole list.
#pragma once

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "node/state_machine.h"
#include "storage/engine.h"

namespace strata::node {

class RecordingStateMachine : public StateMachine {
 public:
  explicit RecordingStateMachine(storage::Engine* engine) : engine_(engine) {}

  ApplyResult apply(raft::Index index, std::string_view command,
                    const storage::WriteBatch& node_writes) override {
    storage::WriteBatch batch;
    batch.Put(storage::ColumnFamily::kMvcc, Key(index), command);
    batch.Append(node_writes);
    Status s = engine_->Write(batch, false);
    std::lock_guard lock(mu_);
    commands_.emplace_back(command);
    return ApplyResult{s, std::string(command)};
  }

  ApplyResult apply_conf_change(raft::Index, const raft::ConfChange& cc,
                                const Result<raft::ConfState>& membership,
                                const storage::WriteBatch& node_writes) override {
    Status s = engine_->Write(node_writes, false);
    if (s.ok()) s = membership.status();
    std::lock_guard lock(mu_);
    conf_contexts_.push_back(cc.context);
    return ApplyResult{s, cc.context};
  }

  std::vector<std::string> conf_contexts() const {
    std::lock_guard lock(mu_);
    return conf_contexts_;
  }

  // Format: the commands, each prefixed by its length (4 bytes).
  Result<std::string> export_state() const override {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& c : commands_) {
      uint32_t n = static_cast<uint32_t>(c.size());
      out.append(reinterpret_cast<const char*>(&n), 4);
      out += c;
    }
    return out;
  }

  Status import_state(std::string_view data, const storage::WriteBatch& node_writes) override {
    std::vector<std::string> commands;
    while (!data.empty()) {
      if (data.size() < 4) return Status::Corruption("truncated state");
      uint32_t n;
      std::memcpy(&n, data.data(), 4);
      data.remove_prefix(4);
      if (data.size() < n) return Status::Corruption("truncated state");
      commands.emplace_back(data.substr(0, n));
      data.remove_prefix(n);
    }
    storage::WriteBatch batch;
    batch.DeleteRange(storage::ColumnFamily::kMvcc, "", "\xff");
    batch.Append(node_writes);
    STRATA_RETURN_IF_ERROR(engine_->Write(batch, false));
    std::lock_guard lock(mu_);
    commands_ = std::move(commands);
    ++imports_;
    return Status::Ok();
  }

  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }
  int imports() const {
    std::lock_guard lock(mu_);
    return imports_;
  }

 private:
  static std::string Key(raft::Index i) { return std::to_string(i.value()); }

  storage::Engine* engine_;
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::vector<std::string> conf_contexts_;
  int imports_ = 0;
};

}  // namespace strata::node
