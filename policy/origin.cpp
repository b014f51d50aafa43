#include "policy/origin.hpp"

namespace mfrelay::policy {

std::string to_string(const origin& where) {
  if (where.line == 0) return where.file;
  return where.file + ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
}

std::string to_string(const config_error& error) {
  return to_string(error.where) + ": " + error.message;
}

}  // namespace mfrelay::policy
