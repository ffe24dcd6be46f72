// A StateMachine for node-layer tests that streams its snapshots the way
// the server's does: each command is put under its raft index in a
// kv::MvccStore; capture_snapshot streams the store from an engine view
// (kv::StateReader) and receive_snapshot stages what arrives in table files
// (kv::StateStager), installed by import_state in one crash-safe step.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/coding.h"
#include "kv/mvcc_store.h"
#include "kv/state_transfer.h"
#include "node/state_machine.h"
#include "storage/engine.h"

namespace strata::node {

class KvStateMachine final : public StateMachine {
 public:
  explicit KvStateMachine(storage::Engine* engine) : engine_(engine) {
    auto store = kv::MvccStore::Open(engine);
    STRATA_ASSERT_MSG(store.ok(), store.status().ToString());
    store_ = std::move(*store);
  }

  ApplyResult apply(raft::Index index, std::string_view command,
                    const storage::WriteBatch& node_writes) override {
    auto txn = store_->BeginWrite();
    STRATA_ASSERT(txn.ok());
    STRATA_ASSERT((*txn)->Put(Key(index), command).ok());
    (*txn)->batch()->Append(node_writes);
    Status s = (*txn)->Commit(false);
    return ApplyResult{s, std::string(command)};
  }

  ApplyResult apply_conf_change(raft::Index, const raft::ConfChange& cc,
                                const Result<raft::ConfState>& membership,
                                const storage::WriteBatch& node_writes) override {
    Status s = engine_->Write(node_writes, false);
    if (s.ok()) s = membership.status();
    return ApplyResult{s, cc.context};
  }

  Result<std::string> export_state() const override { return store_->ExportState(); }

  Result<std::unique_ptr<SnapshotImage>> capture_snapshot() const override {
    auto view = store_->CaptureState();
    STRATA_RETURN_IF_ERROR(view.status());
    return std::unique_ptr<SnapshotImage>(std::make_unique<Image>(std::move(*view)));
  }

  Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(const raft::SnapshotMetadata&) override {
    auto stager = kv::StateStager::Start(engine_);
    STRATA_RETURN_IF_ERROR(stager.status());
    return std::unique_ptr<SnapshotWriter>(std::make_unique<Writer>(this, std::move(*stager)));
  }

  Status import_state(std::string_view data, const storage::WriteBatch& node_writes) override {
    Status s;
    if (data.starts_with(kStagedMagic) && data.size() == kStagedMagic.size() + 8) {
      kv::StagedState staged;
      {
        std::lock_guard lock(mu_);
        auto it = staged_.find(DecodeFixed64(data.substr(kStagedMagic.size())));
        if (it == staged_.end()) return Status::NotFound("no such staged snapshot");
        staged = std::move(it->second);
        staged_.erase(it);
      }
      s = store_->InstallState(staged, node_writes);
    } else {
      s = store_->ImportState(data, node_writes);
    }
    if (s.ok()) {
      std::lock_guard lock(mu_);
      ++imports_;
    }
    return s;
  }

  // The commands applied, in raft order.
  std::vector<std::string> commands() const {
    const std::string_view all_keys("\0", 1);
    auto all = store_->Range(all_keys, all_keys);
    STRATA_ASSERT(all.ok());
    std::vector<std::string> out;
    for (const auto& kv : all->kvs) out.push_back(kv.value);
    return out;
  }
  int imports() const {
    std::lock_guard lock(mu_);
    return imports_;
  }
  // Snapshots staged through receive_snapshot (and not installed yet).
  int staged_images() const {
    std::lock_guard lock(mu_);
    return static_cast<int>(staged_.size()) + staging_;
  }

 private:
  static constexpr std::string_view kStagedMagic = "kv-staged:";

  static std::string Key(raft::Index i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "c/%020llu", static_cast<unsigned long long>(i.value()));
    return buf;
  }

  class Image final : public SnapshotImage {
   public:
    explicit Image(std::shared_ptr<const storage::ReadView> view) : view_(std::move(view)) {}
    Result<std::unique_ptr<SnapshotReader>> Open() const override {
      return std::unique_ptr<SnapshotReader>(std::make_unique<Reader>(view_));
    }

   private:
    std::shared_ptr<const storage::ReadView> view_;
  };
  class Reader final : public SnapshotReader {
   public:
    explicit Reader(std::shared_ptr<const storage::ReadView> view) : reader_(std::move(view)) {}
    Result<bool> Read(size_t max_bytes, std::string* out) override {
      return reader_.Read(max_bytes, out);
    }

   private:
    kv::StateReader reader_;
  };
  class Writer final : public SnapshotWriter {
   public:
    Writer(KvStateMachine* sm, std::unique_ptr<kv::StateStager> stager)
        : sm_(sm), stager_(std::move(stager)) {
      std::lock_guard lock(sm_->mu_);
      ++sm_->staging_;
    }
    ~Writer() override {
      std::lock_guard lock(sm_->mu_);
      --sm_->staging_;
    }
    Status Write(std::string_view bytes) override { return stager_->Write(bytes); }
    Result<std::string> Finish() override {
      auto staged = stager_->Finish();
      STRATA_RETURN_IF_ERROR(staged.status());
      std::lock_guard lock(sm_->mu_);
      uint64_t id = sm_->next_id_++;
      sm_->staged_[id] = std::move(*staged);
      std::string descriptor(kStagedMagic);
      PutFixed64(&descriptor, id);
      return descriptor;
    }

   private:
    KvStateMachine* sm_;
    std::unique_ptr<kv::StateStager> stager_;
  };

  storage::Engine* const engine_;
  std::unique_ptr<kv::MvccStore> store_;
  mutable std::mutex mu_;
  std::map<uint64_t, kv::StagedState> staged_;  // Guarded by mu_.
  uint64_t next_id_ = 1;                        // Guarded by mu_.
  int staging_ = 0;                             // Guarded by mu_.
  int imports_ = 0;                             // Guarded by mu_.
};

}  // namespace strata::node
