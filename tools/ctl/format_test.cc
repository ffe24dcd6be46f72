#include "format.h"

#include <gtest/gtest.h>

namespace strata::ctl {
namespace {

using namespace std::string_literals;

TEST(FormatTest, BytesInAndOut) {
  EXPECT_EQ(*ParseBytes("plain", {}), "plain");
  EXPECT_EQ(*ParseBytes("00ff41", {.hex = true}),
            "\x00\xff"
            "A"s);
  EXPECT_FALSE(ParseBytes("0", {.hex = true}));
  EXPECT_FALSE(ParseBytes("zz", {.hex = true}));
  EXPECT_EQ(ShowBytes("a\x00\xff\\b"s, {}), "a\\x00\\xff\\x5cb");
  EXPECT_EQ(ShowBytes("\x00\xff"s, {.hex = true}), "00ff");
  EXPECT_EQ(ShowBytes("line\nnext", {}), "line\\x0anext");
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_EQ(ParseDuration("5s")->count(), 5000);
  EXPECT_EQ(ParseDuration("2m")->count(), 120000);
  EXPECT_EQ(ParseDuration("40")->count(), 40);
  EXPECT_FALSE(ParseDuration("5h"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_FALSE(ParseDuration(""));
}

TEST(FormatTest, ExitCodes) {
  using client::Error;
  using client::ErrorCode;
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kNotFound, "")), kExitNotFound);
  EXPECT_EQ(ExitCodeFor(Error::VersionMismatch(3, "")), kExitPrecondition);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kAlreadyExists, "")), kExitPrecondition);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kUnavailable, "")), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kDeadlineExceeded, "")), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kPermissionDenied, "")), kExitAuth);
  EXPECT_EQ(ExitCodeFor(Error(ErrorCode::kInternal, "")), kExitError);
}

}  // namespace
}  // namespace strata::ctl
