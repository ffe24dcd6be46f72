#include "kv/crc32c.h"

#include <gtest/gtest.h>

namespace strata::kv {
namespace {

TEST(Crc32cTest, MatchesStandardCheckValues) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);            // The CRC-32C check value.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4.
}

TEST(Crc32cTest, ExtendEqualsOneShot) {
  std::string data = "the quick brown fox jumps over the lazy dog";
  for (size_t split = 0; split <= data.size(); ++split) {
    EXPECT_EQ(Crc32cExtend(Crc32c(data.substr(0, split)), data.substr(split)), Crc32c(data));
  }
}

}  // namespace
}  // namespace strata::kv
