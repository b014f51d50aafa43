#include "policy/origin.hpp"

namespace mfrelay::policy {

source_file::source_file() noexcept = default;
source_file::source_file(std::string_view name) : name_(std::make_shared<const std::string>(name)) {}
source_file::source_file(std::shared_ptr<const std::string> name) noexcept : name_(std::move(name)) {}
source_file::source_file(const source_file& other) noexcept = default;
source_file::source_file(source_file&& other) noexcept = default;
source_file& source_file::operator=(const source_file& other) noexcept = default;
source_file& source_file::operator=(source_file&& other) noexcept = default;
source_file::~source_file() = default;

const std::string& source_file::str() const {
  static const std::string none;
  return name_ ? *name_ : none;
}

std::string to_string(const origin& where) {
  if (where.line == 0) return where.file.str();
  return where.file.str() + ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
}

std::string to_string(const config_error& error) {
  return to_string(error.where) + ": " + error.message;
}

}  // namespace mfrelay::policy
