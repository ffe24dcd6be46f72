#include "base/status.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::Compacted("index 3 is below first index 10");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.Is(StatusCode::kCompacted));
  EXPECT_EQ(s.message(), "index 3 is below first index 10");
  EXPECT_EQ(s.ToString(), "compacted: index 3 is below first index 10");
}

TEST(StatusTest, ResultHoldsValueOrError) {
  Result<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  EXPECT_TRUE(good.status().ok());

  Result<int> bad(Status::NotFound("no such key"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

Status FailsThenNeverReached(bool* reached) {
  STRATA_RETURN_IF_ERROR(Status::Unavailable("down"));
  *reached = true;
  return Status::Ok();
}

TEST(StatusTest, ReturnIfErrorStopsEarly) {
  bool reached = false;
  Status s = FailsThenNeverReached(&reached);
  EXPECT_FALSE(reached);
  EXPECT_TRUE(s.Is(StatusCode::kUnavailable));
}

TEST(StatusDeathTest, ValueOfErrorAborts) {
  Result<int> bad(Status::Internal("boom"));
  EXPECT_DEATH((void)bad.value(), "boom");
}

}  // namespace
}  // namespace strata
