// The etcd error table: exact messages and gRPC codes from etcd's
// api/v3rpc/rpctypes/error.go, and the conversions the API layer uses.
#include "kv/etcd_errors.h"

#include <gtest/gtest.h>

#include "kv/errors.h"

namespace strata::kv {
namespace {

TEST(EtcdErrorsTest, KvErrorsHaveEtcdMessagesAndCodes) {
  struct Case {
    EtcdError error;
    GrpcCode code;
    const char* message;
  };
  const Case cases[] = {
      {EtcdError::kEmptyKey, GrpcCode::kInvalidArgument, "etcdserver: key is not provided"},
      {EtcdError::kKeyNotFound, GrpcCode::kInvalidArgument, "etcdserver: key not found"},
      {EtcdError::kValueProvided, GrpcCode::kInvalidArgument, "etcdserver: value is provided"},
      {EtcdError::kLeaseProvided, GrpcCode::kInvalidArgument, "etcdserver: lease is provided"},
      {EtcdError::kTooManyOps, GrpcCode::kInvalidArgument,
       "etcdserver: too many operations in txn request"},
      {EtcdError::kDuplicateKey, GrpcCode::kInvalidArgument,
       "etcdserver: duplicate key given in txn request"},
      {EtcdError::kCompacted, GrpcCode::kOutOfRange,
       "etcdserver: mvcc: required revision has been compacted"},
      {EtcdError::kFutureRev, GrpcCode::kOutOfRange,
       "etcdserver: mvcc: required revision is a future revision"},
      {EtcdError::kLeaseNotFound, GrpcCode::kNotFound, "etcdserver: requested lease not found"},
      {EtcdError::kRequestTooLarge, GrpcCode::kInvalidArgument, "etcdserver: request is too large"},
      {EtcdError::kNoSpace, GrpcCode::kResourceExhausted,
       "etcdserver: mvcc: database space exceeded"},
      {EtcdError::kPermissionDenied, GrpcCode::kPermissionDenied, "etcdserver: permission denied"},
      {EtcdError::kNotLeader, GrpcCode::kFailedPrecondition, "etcdserver: not leader"},
      {EtcdError::kCorrupt, GrpcCode::kDataLoss, "etcdserver: corrupt cluster"},
  };
  for (const Case& c : cases) {
    Status s = MakeEtcdError(c.error);
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(GrpcCodeOf(s), c.code) << c.message;
    EXPECT_EQ(AsEtcdError(s), c.error) << c.message;
    EXPECT_TRUE(IsEtcdError(s, c.error));
  }
  EXPECT_EQ(MakeEtcdError(EtcdError::kCompacted).code(), StatusCode::kCompacted);
  EXPECT_EQ(MakeEtcdError(EtcdError::kLeaseNotFound).code(), StatusCode::kNotFound);
}

TEST(EtcdErrorsTest, EveryErrorRoundTripsAndHasTheEtcdPrefix) {
  for (int i = 0; i <= static_cast<int>(EtcdError::kNoInflightDowngrade); ++i) {
    const EtcdError error = static_cast<EtcdError>(i);
    const EtcdErrorInfo& info = EtcdErrorInfoOf(error);
    EXPECT_EQ(info.error, error);
    EXPECT_TRUE(info.message.starts_with("etcdserver: ")) << info.message;
    EXPECT_EQ(AsEtcdError(MakeEtcdError(error)), error) << info.message;
    EXPECT_EQ(GrpcCodeOf(MakeEtcdError(error)), info.grpc_code) << info.message;
  }
}

TEST(EtcdErrorsTest, MvccErrorsConvertToEtcdErrors) {
  EXPECT_TRUE(IsEtcdError(ToEtcdStatus(CompactedError()), EtcdError::kCompacted));
  EXPECT_TRUE(IsEtcdError(ToEtcdStatus(FutureRevisionError()), EtcdError::kFutureRev));
  EXPECT_EQ(GrpcCodeOf(CompactedError()), GrpcCode::kOutOfRange);
  EXPECT_EQ(GrpcCodeOf(FutureRevisionError()), GrpcCode::kOutOfRange);
  Status io = Status::IOError("disk");
  EXPECT_EQ(ToEtcdStatus(io).ToString(), io.ToString());
  EXPECT_FALSE(AsEtcdError(io).has_value());
  EXPECT_FALSE(AsEtcdError(Status::Ok()).has_value());
}

TEST(EtcdErrorsTest, OtherStatusesMapToTheirGrpcNamesakes) {
  EXPECT_EQ(GrpcCodeOf(Status::Ok()), GrpcCode::kOk);
  EXPECT_EQ(GrpcCodeOf(Status::InvalidArgument("x")), GrpcCode::kInvalidArgument);
  EXPECT_EQ(GrpcCodeOf(Status::Corruption("x")), GrpcCode::kDataLoss);
  EXPECT_EQ(GrpcCodeOf(Status::DeadlineExceeded("x")), GrpcCode::kDeadlineExceeded);
  // Same message, other code: not the etcd error.
  EXPECT_FALSE(AsEtcdError(Status::Internal("etcdserver: key not found")).has_value());
}

}  // namespace
}  // namespace strata::kv
