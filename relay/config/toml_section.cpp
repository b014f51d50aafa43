#include "relay/config/toml_section.hpp"


#include "policy/duration_text.hpp"

namespace mfrelay::relay {

policy::origin to_origin(const toml::source_region& region, const std::string& file) {
  // toml::parse(text, file) gave all the nodes of a file one shared copy of its name.
  if (region.path && *region.path == file)
    return {policy::source_file(region.path), region.begin.line, region.begin.column};
  return {file, region.begin.line, region.begin.column};
}


toml_section::toml_section(const toml::table& table, std::string label, const std::string& file,
                           std::vector<policy::config_error>& errors)
    : table_(table), label_(std::move(label)), file_(file), errors_(errors) {}

policy::origin toml_section::where() const { return to_origin(table_.source(), file_); }

policy::origin toml_section::where(std::string_view key) const {
  for (auto&& [k, v] : table_) {
    if (k.str() == key) return to_origin(k.source(), file_);
  }
  return where();
}

void toml_section::error(std::string_view key, const std::string& message) {
  errors_.push_back({where(key), label_ + ' ' + std::string(key) + ": " + message});
}

const toml::node* toml_section::get(std::string_view key) {
  seen_.emplace(key);
  return table_.get(key);
}

void toml_section::type_error(std::string_view key, std::string_view expected) {
  const toml::node* node = table_.get(key);
  std::string got = node ? std::string(toml::impl::node_type_friendly_names[static_cast<int>(node->type())]) : "nothing";
  error(key, "expected " + std::string(expected) + ", got " + got);
}

void toml_section::read(std::string_view key, std::string& out, string_check check, bool required) {
  const toml::node* node = get(key);
  if (!node) {
    if (required) errors_.push_back({where(), label_ + ": '" + std::string(key) + "' is required"});
    return;
  }
  auto value = node->value<std::string>();
  if (!node->is_string() || !value) return type_error(key, "a string");
  if (required && value->empty()) return error(key, "must not be empty");
  if (check) {
    if (std::string why = check(*value); !why.empty()) return error(key, why);
  }
  out = std::move(*value);
}

bool toml_section::read_text(std::string_view key, std::string& out, bool required) {
  std::size_t errors_before = errors_.size();
  read(key, out, nullptr, required);
  return has(key) && errors_.size() == errors_before;
}

void toml_section::read(std::string_view key, bool& out) {
  const toml::node* node = get(key);
  if (!node) return;
  if (!node->is_boolean()) return type_error(key, "true or false");
  out = *node->value<bool>();
}

void toml_section::read(std::string_view key, std::uint64_t& out, std::uint64_t min) {
  const toml::node* node = get(key);
  if (!node) return;
  if (!node->is_integer()) return type_error(key, "an integer");
  std::int64_t value = *node->value<std::int64_t>();
  if (value < 0 || static_cast<std::uint64_t>(value) < min)
    return error(key, "must be at least " + std::to_string(min) + ", not " + std::to_string(value));
  out = static_cast<std::uint64_t>(value);
}

void toml_section::read(std::string_view key, std::uint32_t& out, std::uint32_t min) {
  std::uint64_t value = out;
  read(key, value, std::uint64_t{min});
  if (value > UINT32_MAX) return error(key, "is too large");
  out = static_cast<std::uint32_t>(value);
}

void toml_section::read(std::string_view key, policy::duration& out) {
  std::string text;
  if (!read_text(key, text)) return;
  auto value = policy::parse_duration(text);
  if (!value || *value <= policy::duration::zero())
    return error(key, "'" + text + "' is not a positive duration (like \"72h\", \"5m\", \"30s\", \"250ms\")");
  out = *value;
}

void toml_section::read(std::string_view key, policy::host_port& out, bool allow_zero, bool required) {
  std::string text;
  if (!read_text(key, text, required)) return;
  auto value = policy::parse_host_port(text, allow_zero);
  if (!value) return error(key, "'" + text + "' is not host:port (IPv6 as [::1]:25)");
  out = *value;
}

void toml_section::read(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = get(key);
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array) return type_error(key, "an array of strings");
  std::vector<std::string> values;
  for (const auto& item : *array) {
    auto value = item.value<std::string>();
    if (!item.is_string() || !value) return type_error(key, "an array of strings");
    values.push_back(std::move(*value));
  }
  out = std::move(values);
}

void toml_section::read(std::string_view key, std::vector<policy::duration>& out) {
  std::vector<std::string> texts;
  read(key, texts);
  if (texts.empty()) return;
  std::vector<policy::duration> values;
  for (const auto& text : texts) {
    auto value = policy::parse_duration(text);
    if (!value || *value <= policy::duration::zero())
      return error(key, "'" + text + "' is not a positive duration (like \"5m\")");
    values.push_back(*value);
  }
  out = std::move(values);
}

const toml::table* toml_section::table(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  if (!node->is_table()) {
    type_error(key, "a table");
    return nullptr;
  }
  return node->as_table();
}

const toml::array* toml_section::tables(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    type_error(key, "an array of tables ([[" + std::string(key) + "]])");
    return nullptr;
  }
  return array;
}

void toml_section::finish() {
  for (auto&& [k, v] : table_) {
    if (!seen_.contains(k.str()))
      errors_.push_back({to_origin(k.source(), file_), label_ + ": unknown key '" + std::string(k.str()) + "'"});
  }
}

}  // namespace mfrelay::relay
