#include "network.h"

#include <gtest/gtest.h>

#include <map>

namespace strata::sim {
namespace {

using raft::Message;
using raft::MessageType;
using raft::NodeId;

Message Msg(uint64_t from, uint64_t to, uint64_t tag = 0) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = NodeId(from);
  m.to = NodeId(to);
  m.commit = raft::Index(tag);
  return m;
}

std::vector<Delivery> DrainAll(Network& net) {
  std::vector<Delivery> out;
  while (auto d = net.next(~SimTime{0})) out.push_back(std::move(*d));
  return out;
}

TEST(SimNetworkTest, DeliversWithinDelayBoundsInTimeOrder) {
  NetworkOptions o;
  o.delay_min = 100;
  o.delay_max = 900;
  Network net(o, 1);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(net.send(1000, Msg(1, 2, i)), DropReason::kNone);
  auto ds = DrainAll(net);
  ASSERT_EQ(ds.size(), 200u);
  SimTime prev = 0;
  bool reordered = false;
  for (size_t i = 0; i < ds.size(); ++i) {
    EXPECT_GE(ds[i].at, 1100u);
    EXPECT_LE(ds[i].at, 1900u);
    EXPECT_GE(ds[i].at, prev);
    prev = ds[i].at;
    if (i > 0 && ds[i].message.commit < ds[i - 1].message.commit) reordered = true;
  }
  EXPECT_TRUE(reordered) << "random delays should reorder messages";
}

TEST(SimNetworkTest, NextRespectsTheHorizon) {
  NetworkOptions o;
  o.delay_min = o.delay_max = 500;
  Network net(o, 1);
  (void)net.send(0, Msg(1, 2));
  EXPECT_FALSE(net.next(500).has_value());  // Due at 500: not strictly before.
  EXPECT_TRUE(net.next(501).has_value());
}

TEST(SimNetworkTest, SameSeedSameSchedule) {
  NetworkOptions o;
  o.drop_per_million = 100000;
  o.duplicate_per_million = 100000;
  o.reorder_per_million = 100000;
  Network a(o, 5), b(o, 5);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.send(i * 10, Msg(1, 2, i)), b.send(i * 10, Msg(1, 2, i)));
  }
  auto da = DrainAll(a), db = DrainAll(b);
  ASSERT_EQ(da.size(), db.size());
  for (size_t i = 0; i < da.size(); ++i) {
    EXPECT_EQ(da[i].at, db[i].at);
    EXPECT_EQ(da[i].message, db[i].message);
  }
}

TEST(SimNetworkTest, DropAndDuplicateRates) {
  NetworkOptions o;
  o.drop_per_million = 200000;
  o.duplicate_per_million = 100000;
  Network net(o, 3);
  int dropped = 0;
  for (int i = 0; i < 10000; ++i) dropped += net.send(0, Msg(1, 2, i)) == DropReason::kLoss;
  EXPECT_NEAR(dropped, 2000, 300);
  EXPECT_NEAR(static_cast<double>(net.stats().duplicated), 800, 200);
  std::map<uint64_t, int> copies;
  for (const auto& d : DrainAll(net)) copies[d.message.commit.value()]++;
  int dups = 0;
  for (const auto& [tag, n] : copies) dups += n == 2;
  EXPECT_EQ(static_cast<uint64_t>(dups), net.stats().duplicated);
}

TEST(SimNetworkTest, OneWayCut) {
  Network net(NetworkOptions{}, 1);
  net.cut(NodeId(1), NodeId(2));
  EXPECT_EQ(net.send(0, Msg(1, 2)), DropReason::kPartition);
  EXPECT_EQ(net.send(0, Msg(2, 1)), DropReason::kNone);
  EXPECT_FALSE(net.connected(NodeId(1), NodeId(2)));
  EXPECT_TRUE(net.connected(NodeId(2), NodeId(1)));
  net.heal();
  EXPECT_EQ(net.send(0, Msg(1, 2)), DropReason::kNone);
}

TEST(SimNetworkTest, SymmetricPartitionAndIsolate) {
  Network net(NetworkOptions{}, 1);
  std::vector<NodeId> a{NodeId(1), NodeId(2)}, b{NodeId(3), NodeId(4), NodeId(5)};
  net.partition(a, b);
  EXPECT_FALSE(net.connected(NodeId(1), NodeId(3)));
  EXPECT_FALSE(net.connected(NodeId(5), NodeId(2)));
  EXPECT_TRUE(net.connected(NodeId(1), NodeId(2)));
  EXPECT_TRUE(net.connected(NodeId(3), NodeId(5)));
  net.heal();
  net.isolate(NodeId(3), {NodeId(1), NodeId(2), NodeId(3), NodeId(4)});
  EXPECT_FALSE(net.connected(NodeId(3), NodeId(1)));
  EXPECT_FALSE(net.connected(NodeId(4), NodeId(3)));
  EXPECT_TRUE(net.connected(NodeId(1), NodeId(4)));
}

TEST(SimNetworkTest, PartitionFormedInFlightDropsOnDelivery) {
  Network net(NetworkOptions{}, 1);
  ASSERT_EQ(net.send(0, Msg(1, 2)), DropReason::kNone);
  net.cut(NodeId(1), NodeId(2));
  auto ds = DrainAll(net);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].dropped, DropReason::kPartition);
}

TEST(SimNetworkTest, DropFilterAndBound) {
  NetworkOptions o;
  o.max_in_flight = 3;
  Network net(o, 1);
  net.set_drop_filter([](const Message& m) { return m.to == NodeId(9); });
  EXPECT_EQ(net.send(0, Msg(1, 9)), DropReason::kFilter);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(net.send(0, Msg(1, 2)), DropReason::kNone);
  EXPECT_EQ(net.send(0, Msg(1, 2)), DropReason::kOverflow);
  EXPECT_EQ(net.in_flight(), 3u);
}

}  // namespace
}  // namespace strata::sim
