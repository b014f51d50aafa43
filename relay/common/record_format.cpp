#include "relay/common/record_format.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace mfrelay::relay {
namespace {

constexpr int zone_ttl = 3600;

std::string csv_field(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  out.resize(std::max(width, text.size()), ' ');
  return out;
}

}  // namespace

std::optional<record_format> parse_record_format(std::string_view text) {
  if (text == "table") return record_format::table;
  if (text == "csv") return record_format::csv;
  if (text == "zone") return record_format::zone;
  if (text == "json") return record_format::json;
  return std::nullopt;
}

std::string format_records(const std::vector<policy::dns_record>& records, record_format format) {
  std::string out;
  switch (format) {
    case record_format::table: {
      std::size_t type_w = 4, name_w = 4;
      for (const auto& r : records) {
        type_w = std::max(type_w, r.type.size());
        name_w = std::max(name_w, r.name.size());
      }
      out += pad("Type", type_w) + "  " + pad("Name", name_w) + "  Value\n";
      for (const auto& r : records) out += pad(r.type, type_w) + "  " + pad(r.name, name_w) + "  " + r.value + '\n';
      break;
    }
    case record_format::csv:
      out += "Type,Name,Value\r\n";
      for (const auto& r : records) out += csv_field(r.type) + ',' + csv_field(r.name) + ',' + csv_field(r.value) + "\r\n";
      break;
    case record_format::zone:
      for (const auto& r : records) {
        std::string value = r.value;
        if (r.type == "MX" || r.type == "CNAME") value += '.';  // fully qualified exchange or target
        out += r.name + ".\t" + std::to_string(zone_ttl) + "\tIN\t" + r.type + '\t' + value + '\n';
      }
      break;
    case record_format::json: {
      boost::json::array array;
      for (const auto& r : records) array.push_back({{"name", r.name}, {"type", r.type}, {"value", r.value}});
      out = boost::json::serialize(array) + '\n';
      break;
    }
  }
  return out;
}

}  // namespace mfrelay::relay
