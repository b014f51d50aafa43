// A temporary directory per test with an empty policy.d, removed with everything
// in it at the end; and helpers to write configuration files into it.
#pragma once
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "policy/origin.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay::test {

class config_dir : public mfrelay::test::temp_dir {
 public:
  config_dir() { std::filesystem::create_directory(path() / "policy.d"); }

  std::filesystem::path write(const std::string& name, std::string_view text) const {
    std::filesystem::path file = path() / name;
    std::filesystem::create_directories(file.parent_path());
    write_file(file, text);
    return file;
  }
  // Messages as `mfrelay check` prints them, one per line, with this
  // directory's path left out so expectations read "mfrelay.toml:3:1: ...".
  std::string shorten(std::string text) const {
    const std::string prefix = path().string() + '/';
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at))
      text.erase(at, prefix.size());
    return text;
  }
  std::string errors(const std::vector<policy::config_error>& errors) const {
    std::string out;
    for (const auto& e : errors) out += shorten(to_string(e)) + '\n';
    return out;
  }
};

}  // namespace mfrelay::relay::test
