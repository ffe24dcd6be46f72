#include "node/snapshot_images.h"

#include <map>
#include <mutex>
#include <random>
#include <vector>

#include "base/coding.h"

namespace strata::node {
namespace {

constexpr std::string_view kMagic = "strata-image-v1";
constexpr size_t kDescriptorSize = kMagic.size() + 16;

}  // namespace

struct SnapshotImages::State {
  struct Entry {
    std::unique_ptr<SnapshotImage> image;
    Clock::time_point added;
  };
  std::mutex mu;
  std::map<uint64_t, Entry> waiting;  // Guarded by mu.
  size_t reading = 0;                 // Readers alive; guarded by mu.
  uint64_t next_id = 1;               // Guarded by mu.
};

// Owns an opened image and its inner reader; its destruction releases both.
class SnapshotImages::Reader final : public SnapshotReader {
 public:
  Reader(std::shared_ptr<State> state, std::unique_ptr<SnapshotImage> image,
         std::unique_ptr<SnapshotReader> inner)
      : state_(std::move(state)), image_(std::move(image)), inner_(std::move(inner)) {}
  ~Reader() override {
    inner_.reset();
    image_.reset();
    std::lock_guard lock(state_->mu);
    --state_->reading;
  }
  Result<bool> Read(size_t max_bytes, std::string* out) override {
    return inner_->Read(max_bytes, out);
  }
  uint64_t size_hint() const override { return inner_->size_hint(); }

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<SnapshotImage> image_;  // Outlives inner_.
  std::unique_ptr<SnapshotReader> inner_;
};

SnapshotImages::SnapshotImages(size_t max_held, std::chrono::milliseconds unopened_ttl)
    : max_held_(max_held),
      unopened_ttl_(unopened_ttl),
      nonce_((uint64_t{std::random_device()()} << 32) ^ std::random_device()()),
      state_(std::make_shared<State>()) {
  STRATA_ASSERT(max_held >= 1);
}

SnapshotImages::~SnapshotImages() { clear(); }

Result<std::string> SnapshotImages::add(std::unique_ptr<SnapshotImage> image,
                                        Clock::time_point now) {
  STRATA_ASSERT(image != nullptr);
  expire(now);
  std::lock_guard lock(state_->mu);
  if (state_->waiting.size() + state_->reading >= max_held_) {
    return Status::Unavailable("snapshot: " + std::to_string(max_held_) +
                               " images held already; retry later");
  }
  uint64_t id = state_->next_id++;
  state_->waiting.emplace(id, State::Entry{std::move(image), now});
  std::string descriptor(kMagic);
  PutFixed64(&descriptor, nonce_);
  PutFixed64(&descriptor, id);
  return descriptor;
}

bool SnapshotImages::is_descriptor(std::string_view data) {
  return data.size() == kDescriptorSize && data.starts_with(kMagic);
}

Result<std::unique_ptr<SnapshotReader>> SnapshotImages::open(std::string_view descriptor,
                                                             Clock::time_point now) {
  expire(now);
  if (!is_descriptor(descriptor) || DecodeFixed64(descriptor.substr(kMagic.size())) != nonce_) {
    return Status::NotFound("snapshot: the image belongs to another node");
  }
  uint64_t id = DecodeFixed64(descriptor.substr(kMagic.size() + 8));
  std::unique_ptr<SnapshotImage> image;
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->waiting.find(id);
    if (it == state_->waiting.end()) {
      return Status::NotFound("snapshot: image " + std::to_string(id) +
                              " was already sent or released");
    }
    image = std::move(it->second.image);
    state_->waiting.erase(it);
    ++state_->reading;
  }
  auto inner = image->Open();
  if (!inner.ok()) {
    image.reset();
    std::lock_guard lock(state_->mu);
    --state_->reading;
    return inner.status();
  }
  return std::unique_ptr<SnapshotReader>(
      std::make_unique<Reader>(state_, std::move(image), std::move(*inner)));
}

void SnapshotImages::expire(Clock::time_point now) {
  std::vector<std::unique_ptr<SnapshotImage>> released;  // Destroyed unlocked.
  std::lock_guard lock(state_->mu);
  for (auto it = state_->waiting.begin(); it != state_->waiting.end();) {
    if (now - it->second.added < unopened_ttl_) {
      ++it;
      continue;
    }
    released.push_back(std::move(it->second.image));
    it = state_->waiting.erase(it);
  }
}

void SnapshotImages::clear() {
  std::map<uint64_t, State::Entry> released;
  {
    std::lock_guard lock(state_->mu);
    released.swap(state_->waiting);
  }
}

size_t SnapshotImages::held() const {
  std::lock_guard lock(state_->mu);
  return state_->waiting.size() + state_->reading;
}

}  // namespace strata::node
