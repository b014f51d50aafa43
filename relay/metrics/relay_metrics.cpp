#include "relay/metrics/relay_metrics.hpp"

#include "relay/metrics/heap_usage.hpp"

namespace mfrelay::relay {

std::string render_metrics(const relay_metrics& m) {
  std::string out;
  m.transactions.render(out);
  m.decisions.render(out);
  m.auth_failures.render(out);
  m.dns_checks.render(out);
  m.dns_check_seconds.render(out);
  render_family(out, "mfrelay_heap_allocated_bytes",
                "Heap memory allocated now (malloc'd and not freed; RSS also counts what the allocator keeps).",
                "gauge", {{{}, static_cast<double>(heap_allocated_bytes())}});
  if (m.scrape_extra) {
    for (const auto& text : m.scrape_extra()) out += text;
  }
  return out;
}

}  // namespace mfrelay::relay
