// Files for unit tests: a directory of its own per test, removed with everything
// in it at the end; reading a file back whole or by lines, and writing one.
// Test code only; shared by the unit test binaries (see tests/CMakeLists.txt).
#pragma once
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "test_namespace.hpp"

namespace mfrelay::test {

namespace fs = std::filesystem;

// "<base>/mfrelay-unit-<pid>-<n>-<random>", under the system's temporary folder
// unless the test names another base (made first when missing).
class temp_dir {
 public:
  explicit temp_dir(const fs::path& base = fs::temp_directory_path()) {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    path_ = base / ("mfrelay-unit-" + std::to_string(::getpid()) + '-' + std::to_string(counter++) + '-' +
                    std::to_string(random()));
    REQUIRE(fs::create_directories(path_));  // false when the name is taken
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// The whole file, byte for byte; empty when it cannot be read.
inline std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The file's lines, without their "\n".
inline std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Replaces the file's contents with `bytes`; the test fails when that does not work.
inline void write_file(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

}  // namespace mfrelay::test
