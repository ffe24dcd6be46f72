#include "register.h"

#include <gtest/gtest.h>

namespace strata::sim {
namespace {

TEST(SimRegisterTest, HashChainDependsOnOrder) {
  Register a, b;
  a.apply("x");
  a.apply("y");
  b.apply("y");
  b.apply("x");
  EXPECT_EQ(a.state().count, 2u);
  EXPECT_NE(a.state().hash, b.state().hash);
  Register c;
  c.apply("x");
  c.apply("y");
  EXPECT_EQ(a.state(), c.state());
}

TEST(SimRegisterTest, ImageRoundTrips) {
  Register r;
  r.apply("c1-1");
  r.apply("c2-7");
  std::string image = r.Encode(raft::Index(42));
  Register back;
  raft::Index applied;
  ASSERT_TRUE(back.Decode(image, &applied));
  EXPECT_EQ(applied, raft::Index(42));
  EXPECT_EQ(back.state(), r.state());
  EXPECT_EQ(back.last(), "c2-7");
}

TEST(SimRegisterTest, EmptyImageIsTheBootstrapState) {
  Register r;
  r.apply("junk");
  raft::Index applied(9);
  ASSERT_TRUE(r.Decode("", &applied));
  EXPECT_EQ(r.state(), RegisterState{});
  EXPECT_EQ(applied, raft::Index(0));
}

TEST(SimRegisterTest, MalformedImagesAreRejectedAndChangeNothing) {
  Register r;
  r.apply("keep");
  RegisterState before = r.state();
  raft::Index applied(3);
  for (std::string bad :
       {"reg1", "reg2|1|1|1|x", "reg1|x|1|1|x", "reg1|1|1|1|", "reg1|1|0|0|x", "reg1|1|1|1"}) {
    EXPECT_FALSE(r.Decode(bad, &applied)) << bad;
  }
  EXPECT_EQ(r.state(), before);
  EXPECT_EQ(applied, raft::Index(3));
}

}  // namespace
}  // namespace strata::sim
