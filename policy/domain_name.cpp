#include "policy/domain_name.hpp"

#include <algorithm>

#include "policy/ascii.hpp"

namespace mfrelay::policy {
namespace {

bool is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

std::string normalize_domain(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out;
  out.reserve(name.size());
  for (char c : name) out.push_back(ascii_lower(c));
  return out;
}

std::string hostname_error(std::string_view name, bool allow_single_label) {
  if (name.empty()) return "it is empty";
  if (name.size() > 253) return "it is longer than 253 characters";
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    ++labels;
    if (label.empty()) return "it has an empty label";
    if (label.size() > 63) return "label '" + std::string(label) + "' is longer than 63 characters";
    for (char c : label) {
      if (!is_ldh(c))
        return "label '" + std::string(label) + "' has a character other than letters, digits and '-'";
    }
    if (label.front() == '-' || label.back() == '-')
      return "label '" + std::string(label) + "' starts or ends with '-'";
    start = end + 1;
  }
  if (labels < 2 && !allow_single_label) return "it has a single label";
  // A numeric last label makes it an IP address, not a domain (RFC 3696 2).
  std::string_view last = name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  if (last.find_first_not_of("0123456789") == std::string_view::npos) return "its last label is all digits";
  return {};
}

bool is_subdomain_of(std::string_view name, std::string_view parent) {
  if (parent.empty() || name.size() <= parent.size() + 1) return false;
  return name.ends_with(parent) && name[name.size() - parent.size() - 1] == '.';
}

domain_forms parse_domain(std::string_view name, idna_to_ascii to_ascii, bool allow_single_label) {
  domain_forms out;
  out.written = normalize_domain(name);
  const bool ascii = std::all_of(out.written.begin(), out.written.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string candidate = out.written;
  if (!ascii) {
    if (!to_ascii) {
      out.error = "it holds non-ASCII characters";
      return out;
    }
    idna_result converted = to_ascii(out.written);
    if (!converted.error.empty() || converted.ascii.empty()) {
      out.error = "it is not a valid internationalized domain name: " +
                  (converted.error.empty() ? std::string("no A-label form") : converted.error);
      return out;
    }
    candidate = normalize_domain(converted.ascii);
  }
  if (std::string why = hostname_error(candidate, allow_single_label); !why.empty()) {
    out.error = std::move(why);
    return out;
  }
  out.ascii = std::move(candidate);
  return out;
}

std::string_view parent_domain(std::string_view name) {
  auto dot = name.find('.');
  if (dot == std::string_view::npos) return {};
  return name.substr(dot + 1);
}

}  // namespace mfrelay::policy
