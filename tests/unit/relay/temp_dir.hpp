// A temporary directory per test (with an empty policy.d), removed with
// everything in it at the end; and helpers to write files into it.
#pragma once
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "policy/origin.hpp"

namespace mfrelay::relay::test {

namespace fs = std::filesystem;

// A directory of its own under the system's temporary folder, with an empty
// policy.d; removed with everything in it at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("mfrelay-unit-relay-" + std::to_string(::getpid()) + '-' + std::to_string(random()));
    REQUIRE(fs::create_directory(path_));  // false when the name is taken
    fs::create_directory(path_ / "policy.d");
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, std::string_view text) const {
    fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return file;
  }
  // Messages as `mfrelay check` prints them, one per line, with this
  // directory's path left out so expectations read "mfrelay.toml:3:1: ...".
  std::string shorten(std::string text) const {
    const std::string prefix = path_.string() + '/';
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at))
      text.erase(at, prefix.size());
    return text;
  }
  std::string errors(const std::vector<policy::config_error>& errors) const {
    std::string out;
    for (const auto& e : errors) out += shorten(to_string(e)) + '\n';
    return out;
  }

 private:
  fs::path path_;
};

}  // namespace mfrelay::relay::test
