// Where a setting came from (file, line, column), so every configuration error
// can be reported as `path:line:col: message`. Any thread.
#pragma once
#include <cstdint>
#include <string>

namespace mfrelay::policy {

struct origin {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// "file:line:col"; just the file when the position is unknown.
std::string to_string(const origin& where);

struct config_error {
  origin where;
  std::string message;
};

// "file:line:col: message"
std::string to_string(const config_error& error);

}  // namespace mfrelay::policy
