#include "server/restore.h"

#include <filesystem>
#include <fstream>
#include <memory>

#include "api/state_image.h"
#include "base/sha256.h"
#include "kv/mvcc_store.h"
#include "storage/keys.h"
#include "storage/rocks_engine.h"

namespace strata::server {
namespace {

constexpr size_t kShaBytes = Sha256::kDigestBytes;
constexpr size_t kReadChunk = 1 << 20;

// Streams the file's first `length` bytes into stager while hashing them.
Status StageAndHash(std::ifstream& in, uint64_t length, api::ImageStager* stager,
                    std::string* sha) {
  Sha256 hash;
  if (!hash.ok()) return Status::Internal("restore: SHA-256 unavailable");
  std::string chunk;
  for (uint64_t done = 0; done < length;) {
    chunk.resize(std::min<uint64_t>(kReadChunk, length - done));
    if (!in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()))) {
      return Status::IOError("restore: the snapshot file ended early");
    }
    hash.Update(chunk);
    STRATA_RETURN_IF_ERROR(stager->Write(chunk));
    done += chunk.size();
  }
  *sha = hash.Finish();
  return Status::Ok();
}

Result<RestoreSummary> Restore(const std::string& snapshot_file, const std::string& db_dir,
                               const RestoreOptions& options) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(snapshot_file, ec);
  if (ec)
    return Status::InvalidArgument("restore: cannot read " + snapshot_file + ": " + ec.message());
  uint64_t image_bytes =
      options.skip_hash_check ? size : size - std::min<uint64_t>(size, kShaBytes);
  if (!options.skip_hash_check && size < kShaBytes + api::kImageMagic.size()) {
    return Status::Corruption("restore: " + snapshot_file + " is too short to be a snapshot");
  }
  std::ifstream in(snapshot_file, std::ios::binary);
  if (!in) return Status::InvalidArgument("restore: cannot open " + snapshot_file);

  auto engine = storage::RocksEngine::Open(db_dir);
  if (!engine.ok()) return engine.status();
  auto store = kv::MvccStore::Open(engine->get());
  if (!store.ok()) return store.status();
  kv::StageOptions stage;
  stage.allow_zero_padding = true;  // Snapshot files are padded to whole pages.
  auto kv_stager = kv::StateStager::Start(engine->get(), stage);
  if (!kv_stager.ok()) return kv_stager.status();
  api::ImageStager stager(std::move(*kv_stager));

  std::string sha;
  STRATA_RETURN_IF_ERROR(StageAndHash(in, image_bytes, &stager, &sha));
  if (!options.skip_hash_check) {
    std::string trailer(kShaBytes, '\0');
    if (!in.read(trailer.data(), kShaBytes) || trailer != sha) {
      return Status::Corruption("restore: " + snapshot_file +
                                " fails its SHA-256 check (damaged or not a snapshot file)");
    }
  }
  auto staged = stager.Finish();
  if (!staged.ok()) return staged.status();
  STRATA_RETURN_IF_ERROR((*store)->InstallState(staged->second, storage::WriteBatch()));
  // The old cluster's alarms name members the new cluster does not have.
  storage::WriteBatch drop_alarms;
  drop_alarms.DeleteRange(storage::ColumnFamily::kMeta, storage::KvMetaKey("alarm/"),
                          storage::KvMetaKey("alarm0"));
  STRATA_RETURN_IF_ERROR((*engine)->Write(drop_alarms, /*sync=*/true));
  RestoreSummary summary;
  summary.revision = (*store)->CurrentRevision();
  summary.bytes = size;
  summary.members = staged->first.members.size();
  store->reset();
  STRATA_RETURN_IF_ERROR((*engine)->Close());
  return summary;
}

}  // namespace

Result<RestoreSummary> RestoreSnapshot(const std::string& snapshot_file,
                                       const std::string& data_dir, const RestoreOptions& options) {
  const std::string db_dir = data_dir + "/db";
  std::error_code ec;
  if (std::filesystem::exists(db_dir, ec)) {
    return Status::InvalidArgument("restore: " + db_dir +
                                   " already holds a database; restore into a new --data-dir");
  }
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return Status::InvalidArgument("restore: cannot create " + data_dir + ": " + ec.message());
  Result<RestoreSummary> restored = Restore(snapshot_file, db_dir, options);
  if (!restored.ok()) {  // Leave nothing half-made.
    std::filesystem::remove_all(db_dir, ec);
    std::filesystem::remove_all(db_dir + ".staging", ec);
  }
  return restored;
}

}  // namespace strata::server
