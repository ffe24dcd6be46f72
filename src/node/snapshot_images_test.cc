// SnapshotImages: images are opened once, released when their reader goes
// or when nobody opens them in time, and bounded in number.
#include "node/snapshot_images.h"

#include <gtest/gtest.h>

#include <atomic>

namespace strata::node {
namespace {

using namespace std::chrono_literals;
using Clock = SnapshotImages::Clock;

// An image whose bytes are `data`; counts live images.
class CountedImage final : public SnapshotImage {
 public:
  CountedImage(std::string data, std::atomic<int>* live) : data_(std::move(data)), live_(live) {
    ++*live_;
  }
  ~CountedImage() override { --*live_; }
  Result<std::unique_ptr<SnapshotReader>> Open() const override {
    return std::unique_ptr<SnapshotReader>(std::make_unique<StringSnapshotReader>(data_));
  }

 private:
  std::string data_;
  std::atomic<int>* live_;
};

std::string ReadAll(SnapshotReader* reader) {
  std::string out;
  while (true) {
    auto more = reader->Read(3, &out);
    STRATA_ASSERT(more.ok());
    if (!*more) return out;
  }
}

TEST(SnapshotImagesTest, AnImageIsOpenedOnceAndReleasedWithItsReader) {
  std::atomic<int> live = 0;
  SnapshotImages images(4, 60s);
  Clock::time_point now = Clock::now();
  auto d = images.add(std::make_unique<CountedImage>("hello world", &live), now);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(SnapshotImages::is_descriptor(*d));
  EXPECT_LT(d->size(), 64u) << "raft carries the descriptor, not the image";
  EXPECT_EQ(images.held(), 1u);

  auto reader = images.open(*d, now);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(ReadAll(reader->get()), "hello world");
  EXPECT_EQ(images.held(), 1u) << "an image being read still counts";
  EXPECT_TRUE(images.open(*d, now).status().Is(StatusCode::kNotFound)) << "opened once only";
  reader->reset();
  EXPECT_EQ(live, 0) << "the transfer ended: the image is released";
  EXPECT_EQ(images.held(), 0u);
}

TEST(SnapshotImagesTest, AtMostMaxHeldAtOnce) {
  std::atomic<int> live = 0;
  SnapshotImages images(2, 60s);
  Clock::time_point now = Clock::now();
  auto a = images.add(std::make_unique<CountedImage>("a", &live), now);
  auto b = images.add(std::make_unique<CountedImage>("b", &live), now);
  ASSERT_TRUE(a.ok() && b.ok());
  auto reader_a = images.open(*a, now);
  ASSERT_TRUE(reader_a.ok());
  auto c = images.add(std::make_unique<CountedImage>("c", &live), now);
  EXPECT_TRUE(c.status().Is(StatusCode::kUnavailable)) << "raft retries later";
  EXPECT_EQ(live, 2) << "the refused image is dropped at once";
  reader_a->reset();
  EXPECT_TRUE(images.add(std::make_unique<CountedImage>("c", &live), now).ok());
}

TEST(SnapshotImagesTest, UnopenedImagesExpire) {
  std::atomic<int> live = 0;
  SnapshotImages images(4, 10s);
  Clock::time_point t0 = Clock::now();
  auto old = images.add(std::make_unique<CountedImage>("old", &live), t0);
  auto young = images.add(std::make_unique<CountedImage>("young", &live), t0 + 8s);
  ASSERT_TRUE(old.ok() && young.ok());
  images.expire(t0 + 11s);
  EXPECT_EQ(live, 1);
  EXPECT_TRUE(images.open(*old, t0 + 11s).status().Is(StatusCode::kNotFound));
  EXPECT_TRUE(images.open(*young, t0 + 11s).ok());
}

TEST(SnapshotImagesTest, DescriptorsOfAnotherRegistryAreRefused) {
  std::atomic<int> live = 0;
  SnapshotImages mine(4, 60s), other(4, 60s);
  auto d = other.add(std::make_unique<CountedImage>("x", &live), Clock::now());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(mine.open(*d, Clock::now()).status().Is(StatusCode::kNotFound));
  EXPECT_FALSE(SnapshotImages::is_descriptor("a whole image"));
}

TEST(SnapshotImagesTest, ClearReleasesWaitingImagesButNotOpenReaders) {
  std::atomic<int> live = 0;
  auto images = std::make_unique<SnapshotImages>(4, 60s);
  auto a = images->add(std::make_unique<CountedImage>("aaaa", &live), Clock::now());
  auto b = images->add(std::make_unique<CountedImage>("bbbb", &live), Clock::now());
  ASSERT_TRUE(a.ok() && b.ok());
  auto reader = images->open(*a, Clock::now());
  ASSERT_TRUE(reader.ok());
  images->clear();
  EXPECT_EQ(live, 1);
  images.reset();  // The reader may outlive its registry.
  EXPECT_EQ(ReadAll(reader->get()), "aaaa");
  reader->reset();
  EXPECT_EQ(live, 0);
}

}  // namespace
}  // namespace strata::node
