#include "storage/rocks_ingest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <rocksdb/sst_file_writer.h>

#include "storage/rocks_iterator.h"
#include "storage/rocks_status.h"
#include "storage/varint.h"

namespace strata::storage {
namespace {

constexpr uint8_t kPendingVersion = 1;

class RocksTableWriter final : public TableWriter {
 public:
  RocksTableWriter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string path)
      : options_(db->GetOptions(cf)),
        writer_(rocksdb::EnvOptions(), options_, cf),
        path_(std::move(path)) {}

  Status Put(std::string_view key, std::string_view value) override {
    return Guarded("table put", [&]() -> Status {
      if (entries_ > 0 && key <= last_key_) {
        return Status::InvalidArgument("storage: table " + path_ + ": key out of order");
      }
      if (!open_) {
        STRATA_RETURN_IF_ERROR(FromRocks(writer_.Open(path_), "open table " + path_));
        open_ = true;
      }
      STRATA_RETURN_IF_ERROR(
          FromRocks(writer_.Put(ToSlice(key), ToSlice(value)), "table put " + path_));
      last_key_.assign(key);
      ++entries_;
      return Status::Ok();
    });
  }

  uint64_t file_bytes() const override { return open_ ? writer_.FileSize() : 0; }
  uint64_t entries() const override { return entries_; }

  Status Finish() override {
    STRATA_ASSERT_MSG(open_ && entries_ > 0, "TableWriter::Finish without entries");
    return Guarded("table finish", [&]() -> Status {
      // SstFileWriter::Finish syncs the file; the directory entry too.
      STRATA_RETURN_IF_ERROR(FromRocks(writer_.Finish(), "finish table " + path_));
      return SyncDirectory(std::filesystem::path(path_).parent_path().string());
    });
  }

 private:
  const rocksdb::Options options_;
  // FileSize() is not const in RocksDB.
  mutable rocksdb::SstFileWriter writer_;
  const std::string path_;
  bool open_ = false;
  uint64_t entries_ = 0;
  std::string last_key_;
};

}  // namespace

Result<std::unique_ptr<TableWriter>> NewRocksTableWriter(rocksdb::DB* db,
                                                         rocksdb::ColumnFamilyHandle* cf,
                                                         const std::string& path) {
  return Guarded("new table writer", [&]() -> Result<std::unique_ptr<TableWriter>> {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      return Status::InvalidArgument("storage: table " + path + " already exists");
    }
    return std::unique_ptr<TableWriter>(std::make_unique<RocksTableWriter>(db, cf, path));
  });
}

std::string EncodePendingIngest(const PendingIngest& pending) {
  std::string out;
  out.push_back(static_cast<char>(kPendingVersion));
  PutVarint64(&out, pending.tables.size());
  for (const PendingIngest::Table& t : pending.tables) {
    out.push_back(static_cast<char>(t.cf));
    PutLengthPrefixed(&out, t.relative_path);
  }
  PutLengthPrefixed(&out, pending.after);
  return out;
}

Result<PendingIngest> DecodePendingIngest(std::string_view data) {
  auto corrupt = [] { return Status::Corruption("storage: malformed pending-ingest record"); };
  if (data.empty() || static_cast<uint8_t>(data[0]) != kPendingVersion) return corrupt();
  data.remove_prefix(1);
  uint64_t count = 0;
  if (!GetVarint64(&data, &count) || count > data.size()) return corrupt();
  PendingIngest pending;
  for (uint64_t i = 0; i < count; ++i) {
    if (data.empty()) return corrupt();
    auto cf = static_cast<uint8_t>(data[0]);
    data.remove_prefix(1);
    std::string_view path;
    if (cf >= kNumColumnFamilies || !GetLengthPrefixed(&data, &path)) return corrupt();
    pending.tables.push_back({static_cast<ColumnFamily>(cf), std::string(path)});
  }
  std::string_view after;
  if (!GetLengthPrefixed(&data, &after) || !data.empty()) return corrupt();
  pending.after.assign(after);
  return pending;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::IOError("storage: open " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("storage: fsync " + dir + ": " + std::strerror(err));
  return Status::Ok();
}

Status IngestFiles(rocksdb::DB* db,
                   const std::array<rocksdb::ColumnFamilyHandle*, kNumColumnFamilies>& cfs,
                   const std::vector<TableFile>& tables) {
  return Guarded("ingest", [&]() -> Status {
    if (tables.empty()) return Status::Ok();
    // RocksDB moves (links, then unlinks) what it is given: give it second
    // links, so that the staged files stay for a retry after a crash. Where
    // hard links are impossible (another file system), RocksDB copies.
    std::vector<std::string> links;
    bool linked = true;
    for (const TableFile& t : tables) {
      std::string link = t.path + ".ingest";
      std::error_code ec;
      std::filesystem::remove(link, ec);
      std::filesystem::create_hard_link(t.path, link, ec);
      if (ec) linked = false;
      links.push_back(std::move(link));
    }
    std::array<rocksdb::IngestExternalFileArg, kNumColumnFamilies> per_cf;
    for (size_t i = 0; i < tables.size(); ++i) {
      rocksdb::IngestExternalFileArg& arg = per_cf[ColumnFamilyIndex(tables[i].cf)];
      arg.column_family = cfs[ColumnFamilyIndex(tables[i].cf)];
      arg.external_files.push_back(linked ? links[i] : tables[i].path);
    }
    std::vector<rocksdb::IngestExternalFileArg> args;
    for (rocksdb::IngestExternalFileArg& arg : per_cf) {
      if (arg.external_files.empty()) continue;
      arg.options.move_files = linked;
      // The staged files may be links of what RocksDB ingests: it must not
      // write into them. The sequence number lives in the MANIFEST instead.
      arg.options.write_global_seqno = false;
      arg.options.snapshot_consistency = true;
      arg.options.allow_global_seqno = true;
      arg.options.allow_blocking_flush = true;
      args.push_back(std::move(arg));
    }
    Status s = FromRocks(db->IngestExternalFiles(args), "ingest tables");
    if (linked) {
      for (const std::string& link : links) {
        std::error_code ec;
        std::filesystem::remove(link, ec);
      }
    }
    return s;
  });
}

}  // namespace strata::storage
