#include "relay/admin/path_segments.hpp"

#include "relay/admin/uri_encoding.hpp"

namespace mfrelay::relay {

std::vector<std::string> path_segments(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  if (target.starts_with('/')) target.remove_prefix(1);
  std::vector<std::string> out;
  if (target.empty()) return out;
  for (;;) {
    std::size_t slash = target.find('/');
    out.push_back(percent_decode(target.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace mfrelay::relay
