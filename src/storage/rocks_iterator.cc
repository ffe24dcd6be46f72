#include "storage/rocks_iterator.h"

#include <algorithm>

#include "storage/rocks_status.h"

namespace strata::storage {
namespace {

// Iterator over one RocksDB column family. Owns the bound strings because
// RocksDB keeps pointers to them for the iterator's lifetime.
class RocksIterator final : public Iterator {
 public:
  RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snap,
                IteratorOptions options)
      : lower_(std::move(options.lower_bound)),
        upper_(std::move(options.upper_bound)),
        lower_slice_(ToSlice(lower_)),
        upper_slice_(ToSlice(upper_)) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ro.iterate_lower_bound = &lower_slice_;
    if (!upper_.empty()) ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro, cf));
  }
  RocksIterator(const RocksIterator&) = delete;
  RocksIterator& operator=(const RocksIterator&) = delete;

  bool Valid() const override { return error_.ok() && it_->Valid(); }
  void SeekToFirst() override {
    Move([&] { it_->SeekToFirst(); });
  }
  void SeekToLast() override {
    Move([&] { it_->SeekToLast(); });
  }
  // Targets are clamped into the bounds: RocksDB leaves seeks outside them
  // unspecified.
  void Seek(std::string_view target) override {
    Move([&] { it_->Seek(ToSlice(std::max(target, std::string_view(lower_)))); });
  }
  void SeekForPrev(std::string_view target) override {
    Move([&] {
      if (!upper_.empty() && target >= upper_) {
        it_->SeekToLast();
      } else {
        it_->SeekForPrev(ToSlice(target));
      }
    });
  }
  void Next() override {
    STRATA_ASSERT(Valid());
    Move([&] { it_->Next(); });
  }
  void Prev() override {
    STRATA_ASSERT(Valid());
    Move([&] { it_->Prev(); });
  }
  std::string_view key() const override {
    STRATA_ASSERT(Valid());
    return ToView(it_->key());
  }
  std::string_view value() const override {
    STRATA_ASSERT(Valid());
    return ToView(it_->value());
  }
  Status status() const override {
    if (!error_.ok()) return error_;
    return FromRocks(it_->status(), "iterate");
  }

 private:
  template <typename Fn>
  void Move(Fn&& fn) {
    try {
      fn();
    } catch (...) {
      error_ = FromException(std::current_exception(), "iterate");
    }
  }

  const std::string lower_;
  const std::string upper_;
  const rocksdb::Slice lower_slice_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  Status error_;  // An exception caught while moving; sticky.
};

}  // namespace

std::unique_ptr<Iterator> NewRocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                           const rocksdb::Snapshot* snap, IteratorOptions options) {
  return std::make_unique<RocksIterator>(db, cf, snap, std::move(options));
}

}  // namespace strata::storage
