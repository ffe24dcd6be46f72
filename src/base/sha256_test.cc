#include "base/sha256.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

TEST(Sha256Test, KnownDigestsAndPiecesEqualTheWhole) {
  Sha256 empty;
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(Hex(empty.Finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 pieces;
  pieces.Update("a");
  pieces.Update("");
  pieces.Update("bc");
  const std::string digest = pieces.Finish();
  EXPECT_EQ(digest.size(), Sha256::kDigestBytes);
  EXPECT_EQ(Hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace strata
