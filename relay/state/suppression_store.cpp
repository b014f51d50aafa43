#include "relay/state/suppression_store.hpp"

namespace mfrelay::relay {

std::string_view to_string(suppression_reason reason) {
  return reason == suppression_reason::complaint ? "COMPLAINT" : "BOUNCE";
}

std::optional<suppression_reason> parse_suppression_reason(std::string_view text) {
  if (text == "BOUNCE") return suppression_reason::bounce;
  if (text == "COMPLAINT") return suppression_reason::complaint;
  return std::nullopt;
}

std::string suppression_reasons_text(const std::vector<suppression_reason>& reasons) {
  std::string out;
  for (auto r : reasons) {
    if (!out.empty()) out += ',';
    out += to_string(r);
  }
  return out;
}

std::vector<suppression_reason> parse_suppression_reasons(std::string_view text) {
  std::vector<suppression_reason> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (auto r = parse_suppression_reason(text.substr(start, comma - start))) out.push_back(*r);
    start = comma + 1;
  }
  return out;
}

}  // namespace mfrelay::relay
