// Every metric mfrelay exposes on GET /metrics. Counters are updated where
// things happen (sessions, decisions, DNS checks); gauges are read from their
// owners when scraped (spool, delivery queue, states). Any thread.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "relay/metrics/metric_types.hpp"

namespace mfrelay::relay {

struct relay_metrics {
  counter_family transactions{"mfrelay_smtp_transactions_total",
                              "SMTP transactions by outcome (accepted, rejected, failed) and reject reason.",
                              {"outcome", "reason"}};
  counter_family decisions{"mfrelay_policy_decisions_total",
                           "Policy decisions by kind (custom, default, reject) and stage (mail: early, at MAIL; "
                           "data: final, from the From header).",
                           {"decision", "stage"}};
  counter_family auth_failures{"mfrelay_auth_failures_total", "Failed SMTP AUTH attempts.", {}};
  counter_family dns_checks{"mfrelay_dns_checks_total", "MAIL FROM DNS checks by MX lookup outcome and result.",
                            {"outcome", "result"}};
  histogram dns_check_seconds{"mfrelay_dns_check_duration_seconds", "Duration of one MAIL FROM DNS check (MX and TXT).",
                              {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};

  // Gauges and externally kept counters, computed at scrape time.
  std::function<std::vector<std::string>()> scrape_extra;  // each string: whole families in text format
};

std::string render_metrics(const relay_metrics& m);

}  // namespace mfrelay::relay
