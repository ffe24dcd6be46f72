// The SHA-256 trailer check of snapshot files, fed in pieces of any size.
#include <gtest/gtest.h>

#include "client/snapshot.h"

namespace strata::client::internal {
namespace {

// SHA-256("abc").
const std::string kAbcSha = std::string(
    "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23"
    "\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad",
    32);  // Holds a 00 byte.

TEST(TrailerCheckTest, MatchesWhateverThePieces) {
  const std::string file = "abc" + kAbcSha;
  for (size_t piece = 1; piece <= file.size(); ++piece) {
    TrailerCheck check;
    for (size_t at = 0; at < file.size(); at += piece) check.Add(file.substr(at, piece));
    std::string hex;
    EXPECT_TRUE(check.Matches(&hex)) << "pieces of " << piece;
    EXPECT_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}

TEST(TrailerCheckTest, RefusesDamageAndShortFiles) {
  std::string file = "abd" + kAbcSha;
  TrailerCheck damaged;
  damaged.Add(file);
  std::string hex;
  EXPECT_FALSE(damaged.Matches(&hex));
  TrailerCheck short_file;
  short_file.Add(kAbcSha.substr(0, 31));
  EXPECT_FALSE(short_file.Matches(&hex));
}

}  // namespace
}  // namespace strata::client::internal
