#include "storage/memory_engine.h"

#include <algorithm>
#include <utility>

namespace strata::storage {
namespace {

Status ClosedError() { return Status::FailedPrecondition("storage: engine is closed"); }

// Iterates one map of a frozen Data snapshot, which it keeps alive.
template <typename Data, typename Map>
class MemoryIterator final : public Iterator {
 public:
  MemoryIterator(std::shared_ptr<const Data> data, const Map* map, IteratorOptions options)
      : data_(std::move(data)),
        map_(map),
        lower_(std::move(options.lower_bound)),
        upper_(std::move(options.upper_bound)),
        it_(map_->end()) {}

  bool Valid() const override { return it_ != map_->end(); }
  void SeekToFirst() override { Seek(lower_); }
  void SeekToLast() override {
    it_ = upper_.empty() ? map_->end() : map_->lower_bound(upper_);
    StepBack();
  }
  void Seek(std::string_view target) override {
    it_ = map_->lower_bound(std::max(target, std::string_view(lower_)));
    ClampHigh();
  }
  void SeekForPrev(std::string_view target) override {
    if (!upper_.empty() && target >= upper_) {
      SeekToLast();
      return;
    }
    it_ = map_->upper_bound(target);
    StepBack();
  }
  void Next() override {
    STRATA_ASSERT(Valid());
    ++it_;
    ClampHigh();
  }
  void Prev() override {
    STRATA_ASSERT(Valid());
    StepBack();
  }
  std::string_view key() const override {
    STRATA_ASSERT(Valid());
    return it_->first;
  }
  std::string_view value() const override {
    STRATA_ASSERT(Valid());
    return it_->second;
  }
  Status status() const override { return Status::Ok(); }

 private:
  // Becomes invalid if past the upper bound.
  void ClampHigh() {
    if (it_ != map_->end() && !upper_.empty() && it_->first >= upper_) it_ = map_->end();
  }
  // Moves to the entry before it_ (or invalid if that is below the lower bound).
  void StepBack() {
    if (it_ == map_->begin()) {
      it_ = map_->end();
      return;
    }
    --it_;
    if (it_->first < lower_) it_ = map_->end();
  }

  std::shared_ptr<const Data> data_;
  const Map* map_;
  const std::string lower_;
  const std::string upper_;
  typename Map::const_iterator it_;
};

template <typename Data>
Result<std::optional<std::string>> GetFrom(const Data& data, ColumnFamily cf,
                                           std::string_view key) {
  const auto& map = data.cfs[ColumnFamilyIndex(cf)];
  auto it = map.find(key);
  if (it == map.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

template <typename Data>
std::unique_ptr<Iterator> IteratorOn(std::shared_ptr<const Data> data, ColumnFamily cf,
                                     IteratorOptions options) {
  const auto* map = &data->cfs[ColumnFamilyIndex(cf)];
  using Map = std::remove_cvref_t<decltype(*map)>;
  return std::make_unique<MemoryIterator<Data, Map>>(std::move(data), map, std::move(options));
}

// A frozen Data snapshot.
template <typename Data>
class MemoryReadView final : public ReadView {
 public:
  explicit MemoryReadView(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const override {
    return GetFrom(*data_, cf, key);
  }
  Result<std::unique_ptr<Iterator>> NewIterator(ColumnFamily cf,
                                                IteratorOptions options) const override {
    return IteratorOn(data_, cf, std::move(options));
  }

 private:
  std::shared_ptr<const Data> data_;
};

}  // namespace

MemoryEngine::MemoryEngine() : data_(std::make_shared<Data>()) {}

MemoryEngine::~MemoryEngine() = default;

MemoryEngine::Data& MemoryEngine::MutableData() {
  // Only this engine creates new references to data_, under mu_; views drop
  // theirs concurrently, which can only make a needless copy here.
  if (data_.use_count() > 1) data_ = std::make_shared<Data>(*data_);
  return *data_;
}

std::shared_ptr<const MemoryEngine::Data> MemoryEngine::SharedData() const { return data_; }

void MemoryEngine::SetKey(ColumnFamily cf, const std::string& key, std::optional<std::string> value,
                          std::vector<Undo>* undo) {
  Map& map = MutableData().cfs[ColumnFamilyIndex(cf)];
  auto it = map.find(key);
  if (undo != nullptr) {
    undo->push_back(
        Undo{cf, key, it == map.end() ? std::nullopt : std::optional<std::string>(it->second)});
  }
  if (value.has_value()) {
    if (it == map.end()) {
      map.emplace(key, std::move(*value));
    } else {
      it->second = std::move(*value);
    }
  } else if (it != map.end()) {
    map.erase(it);
  }
}

Result<std::optional<std::string>> MemoryEngine::Get(ColumnFamily cf, std::string_view key) const {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  return GetFrom(*data_, cf, key);
}

Result<std::unique_ptr<Iterator>> MemoryEngine::NewIterator(ColumnFamily cf,
                                                            IteratorOptions options) const {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  return IteratorOn(SharedData(), cf, std::move(options));
}

Status MemoryEngine::Write(const WriteBatch& batch, bool sync) {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  if (!write_error_.ok()) return write_error_;
  ApplyLocked(batch, sync);
  return Status::Ok();
}

void MemoryEngine::ApplyLocked(const WriteBatch& batch, bool sync) {
  std::vector<Undo> undo;
  std::vector<Undo>* undo_ptr = sync ? nullptr : &undo;
  for (const WriteBatch::Op& op : batch.ops()) {
    switch (op.type) {
      case WriteBatch::OpType::kPut:
        SetKey(op.cf, op.key, op.value, undo_ptr);
        break;
      case WriteBatch::OpType::kDelete:
        SetKey(op.cf, op.key, std::nullopt, undo_ptr);
        break;
      case WriteBatch::OpType::kDeleteRange: {
        if (op.value <= op.key) break;
        Map& map = MutableData().cfs[ColumnFamilyIndex(op.cf)];
        auto first = map.lower_bound(op.key);
        auto last = map.lower_bound(op.value);
        if (undo_ptr != nullptr) {
          for (auto it = first; it != last; ++it)
            undo.push_back(Undo{op.cf, it->first, it->second});
        }
        map.erase(first, last);
        break;
      }
    }
  }
  if (sync) {
    unsynced_.clear();
  } else {
    unsynced_.push_back(std::move(undo));
  }
}

Result<std::unique_ptr<ReadView>> MemoryEngine::NewReadView() const {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  return std::unique_ptr<ReadView>(std::make_unique<MemoryReadView<Data>>(SharedData()));
}

Result<uint64_t> MemoryEngine::ApproximateSize() const {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  uint64_t total = 0;
  for (const Map& map : data_->cfs) {
    for (const auto& [key, value] : map) total += key.size() + value.size();
  }
  return total;
}

Status MemoryEngine::CompactAll() {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  return Status::Ok();  // Nothing to reclaim: deletes free memory at once.
}

Status MemoryEngine::Checkpoint(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  return Status::FailedPrecondition("storage: MemoryEngine cannot write a checkpoint to " + dir +
                                    ": it has no files");
}

// Collects a table's entries; Finish hands them to the engine.
class MemoryEngine::MemoryTableWriter final : public TableWriter {
 public:
  MemoryTableWriter(MemoryEngine* engine, ColumnFamily cf, std::string path)
      : engine_(engine), cf_(cf), path_(std::move(path)) {}

  Status Put(std::string_view key, std::string_view value) override {
    if (!entries_.empty() && key <= entries_.back().first) {
      return Status::InvalidArgument("storage: table " + path_ + ": key out of order");
    }
    entries_.emplace_back(key, value);
    bytes_ += key.size() + value.size();
    return Status::Ok();
  }
  uint64_t file_bytes() const override { return bytes_; }
  uint64_t entries() const override { return entries_.size(); }
  Status Finish() override {
    STRATA_ASSERT_MSG(!entries_.empty(), "TableWriter::Finish without entries");
    return engine_->AddTable(path_, cf_, std::move(entries_));
  }

 private:
  MemoryEngine* const engine_;
  const ColumnFamily cf_;
  const std::string path_;
  std::vector<std::pair<std::string, std::string>> entries_;
  uint64_t bytes_ = 0;
};

namespace {
// The staging directory a table path lies in: everything before the last '/'.
std::string_view DirOf(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}
}  // namespace

Result<std::string> MemoryEngine::CreateStagingDir() {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  std::string dir = "memory-staging/" + std::to_string(next_staging_++);
  staging_dirs_[dir] = true;
  return dir;
}

Status MemoryEngine::RemoveStagingDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  staging_dirs_.erase(dir);
  for (auto it = tables_.begin(); it != tables_.end();) {
    it = DirOf(it->first) == dir ? tables_.erase(it) : std::next(it);
  }
  return Status::Ok();
}

Result<std::unique_ptr<TableWriter>> MemoryEngine::NewTableWriter(ColumnFamily cf,
                                                                  const std::string& path) {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  if (!staging_dirs_.contains(DirOf(path))) {
    return Status::InvalidArgument("storage: table " + path + " is outside the staging area");
  }
  if (tables_.contains(path)) {
    return Status::InvalidArgument("storage: table " + path + " already exists");
  }
  return std::unique_ptr<TableWriter>(std::make_unique<MemoryTableWriter>(this, cf, path));
}

Status MemoryEngine::AddTable(const std::string& path, ColumnFamily cf,
                              std::vector<std::pair<std::string, std::string>> entries) {
  std::lock_guard lock(mu_);
  if (!staging_dirs_.contains(DirOf(path))) {
    return Status::IOError("storage: staging directory of " + path + " was removed");
  }
  tables_[path] = Table{cf, std::move(entries)};
  return Status::Ok();
}

Status MemoryEngine::IngestTables(const WriteBatch& before, const std::vector<TableFile>& tables,
                                  const WriteBatch& after) {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedError();
  if (!write_error_.ok()) return write_error_;
  for (const TableFile& t : tables) {
    auto it = tables_.find(t.path);
    if (it == tables_.end())
      return Status::NotFound("storage: table " + t.path + " does not exist");
    if (it->second.cf != t.cf) {
      return Status::InvalidArgument("storage: table " + t.path + " is of another column family");
    }
  }
  // All of it in one step, durable (as the synced writes of RocksEngine).
  ApplyLocked(before, /*sync=*/true);
  for (const TableFile& t : tables) {
    Map& map = MutableData().cfs[ColumnFamilyIndex(t.cf)];
    for (const auto& [key, value] : tables_.at(t.path).entries) map.insert_or_assign(key, value);
  }
  ApplyLocked(after, /*sync=*/true);
  return Status::Ok();
}

size_t MemoryEngine::staged_table_count() const {
  std::lock_guard lock(mu_);
  return tables_.size();
}

Status MemoryEngine::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  unsynced_.clear();
  return Status::Ok();
}

void MemoryEngine::DropUnsynced(size_t keep_oldest) {
  std::lock_guard lock(mu_);
  while (unsynced_.size() > keep_oldest) {
    std::vector<Undo>& undo = unsynced_.back();
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      SetKey(it->cf, it->key, std::move(it->old_value), nullptr);
    }
    unsynced_.pop_back();
  }
  unsynced_.clear();
}

size_t MemoryEngine::unsynced_write_count() const {
  std::lock_guard lock(mu_);
  return unsynced_.size();
}

void MemoryEngine::FailWritesWith(Status error) {
  std::lock_guard lock(mu_);
  write_error_ = std::move(error);
}

}  // namespace strata::storage
