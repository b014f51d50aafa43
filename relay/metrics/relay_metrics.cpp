#include "relay/metrics/relay_metrics.hpp"

namespace mfrelay::relay {

std::string render_metrics(const relay_metrics& m) {
  std::string out;
  m.transactions.render(out);
  m.decisions.render(out);
  m.auth_failures.render(out);
  m.dns_checks.render(out);
  m.dns_check_seconds.render(out);
  if (m.scrape_extra) {
    for (const auto& text : m.scrape_extra()) out += text;
  }
  return out;
}

}  // namespace mfrelay::relay
