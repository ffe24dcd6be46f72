#include "storage/rocks_status.h"

#include <new>
#include <stdexcept>

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

TEST(RocksStatusTest, MapsCodesAndKeepsContext) {
  EXPECT_TRUE(FromRocks(rocksdb::Status::OK(), "write").ok());

  Status full = FromRocks(rocksdb::Status::NoSpace("write failed"), "write");
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("no space left on device"), std::string::npos);
  EXPECT_NE(full.message().find("rocksdb: write"), std::string::npos);

  EXPECT_EQ(FromRocks(rocksdb::Status::IOError("fsync"), "x").code(), StatusCode::kIOError);
  EXPECT_EQ(FromRocks(rocksdb::Status::Corruption("crc"), "x").code(), StatusCode::kCorruption);
  EXPECT_EQ(FromRocks(rocksdb::Status::InvalidArgument("bad"), "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FromRocks(rocksdb::Status::Busy(), "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(FromRocks(rocksdb::Status::NotSupported(), "x").code(),
            StatusCode::kFailedPrecondition);
}

TEST(RocksStatusTest, MapsExceptions) {
  auto status_of = [](auto thrower) {
    try {
      thrower();
    } catch (...) {
      return FromException(std::current_exception(), "get");
    }
    return Status::Ok();
  };
  EXPECT_EQ(status_of([] { throw std::bad_alloc(); }).code(), StatusCode::kResourceExhausted);
  Status other = status_of([] { throw std::runtime_error("boom"); });
  EXPECT_EQ(other.code(), StatusCode::kInternal);
  EXPECT_NE(other.message().find("boom"), std::string::npos);
  EXPECT_EQ(status_of([] { throw 42; }).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace strata::storage
