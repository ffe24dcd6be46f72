#include "storage/column_family.h"

#include "base/assert.h"

namespace strata::storage {

std::string_view ColumnFamilyName(ColumnFamily cf) {
  switch (cf) {
    case ColumnFamily::kRaftLog:
      return "raft_log";
    case ColumnFamily::kRaftState:
      return "raft_state";
    case ColumnFamily::kMvcc:
      return "mvcc";
    case ColumnFamily::kMeta:
      return "meta";
  }
  STRATA_ASSERT_MSG(false, "unknown column family");
  return "unknown";
}

}  // namespace strata::storage
