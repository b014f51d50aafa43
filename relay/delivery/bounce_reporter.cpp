#include "relay/delivery/bounce_reporter.hpp"

#include <spdlog/spdlog.h>

#include "relay/common/message_ids.hpp"

namespace mfrelay::relay {

const std::string& bounce_reporter::note(bounce_report& report, const envelope& original,
                                         std::span<const recipient_outcome> failed, const std::string& remote_mta,
                                         policy::timestamp at) {
  if (!enabled_ || failed.empty() || !wants_dsn(original, report.headers)) return report.dsn_id;
  if (report.dsn_id.empty()) report.dsn_id = new_message_id();
  for (const auto& o : failed) report.failed.push_back(dsn_failure{o, remote_mta, at});
  return report.dsn_id;
}

boost::asio::awaitable<std::optional<envelope>> bounce_reporter::spool_dsn(const envelope& original,
                                                                           const bounce_report& report,
                                                                           policy::timestamp now) {
  if (report.dsn_id.empty() || report.failed.empty()) co_return std::nullopt;
  auto dsn = make_dsn(original, report.headers, report.failed, hostname_, report.dsn_id, now);
  if (!dsn) co_return std::nullopt;
  try {
    message_writer writer = spool_.begin(dsn->env.id);
    writer.append(dsn->content);
    co_await spool_.commit(std::move(writer), dsn->env);
  } catch (const std::exception& ex) {
    spdlog::error("delivery {}: bounce message {} to <{}> not queued: {}", original.id, dsn->env.id,
                  original.original_sender, ex.what());
    co_return std::nullopt;
  }
  spdlog::info("delivery {}: bounce message {} queued to <{}> for {} recipients", original.id, dsn->env.id,
               original.original_sender, report.failed.size());
  co_return std::move(dsn->env);
}

}  // namespace mfrelay::relay
