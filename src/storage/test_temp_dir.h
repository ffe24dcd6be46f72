// TestTempDir: a fresh directory under /tmp for one test, removed with all
// its contents when the object is destroyed. Test-only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "base/assert.h"

namespace strata::storage {

class TestTempDir {
 public:
  TestTempDir() {
    std::string pattern = "/tmp/strata-test-XXXXXX";
    STRATA_ASSERT_MSG(mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~TestTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TestTempDir(const TestTempDir&) = delete;
  TestTempDir& operator=(const TestTempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory that does not exist yet.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace strata::storage
