#include "relay/state/pg_sent_message_table.hpp"

#include <string>

#include "relay/state/sent_message_index.hpp"

namespace mfrelay::relay {
namespace {

std::string ms(policy::timestamp t) { return std::to_string(t.time_since_epoch().count()); }

}  // namespace

void pg_sent_message_table::write(const std::vector<sent_message>& batch) {
  writer_.transaction([&] {
    for (const auto& m : batch) {
      writer_.exec("INSERT INTO sent_message (message_id, identity, mail_from_domain, source, from_address, recipients, "
                   "sent_ms, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (message_id) DO UPDATE SET "
                   "identity = $2, mail_from_domain = $3, source = $4, from_address = $5, recipients = $6, "
                   "sent_ms = $7, metadata = $8",
                   {m.message_id, m.identity, m.mail_from_domain, m.source, m.from, join_lines(m.recipients),
                    ms(m.sent_at), m.metadata});
    }
  });
}

std::size_t pg_sent_message_table::prune(policy::timestamp oldest) {
  return writer_.exec("DELETE FROM sent_message WHERE sent_ms < $1", {ms(oldest)}).affected;
}

std::optional<sent_message> pg_sent_message_table::find(const std::string& message_id, policy::timestamp oldest) {
  auto r = store_.read(
      "SELECT identity, mail_from_domain, source, from_address, recipients, sent_ms, metadata FROM sent_message "
      "WHERE message_id = $1 AND sent_ms >= $2",
      {message_id, ms(oldest)});
  if (r.rows.empty()) return std::nullopt;
  const auto& row = r.rows[0];
  sent_message m;
  m.message_id = message_id;
  m.identity = row[0].value_or("");
  m.mail_from_domain = row[1].value_or("");
  m.source = row[2].value_or("");
  m.from = row[3].value_or("");
  m.recipients = split_lines(row[4].value_or(""));
  m.sent_at = policy::timestamp{policy::duration{std::stoll(row[5].value_or("0"))}};
  m.metadata = row[6].value_or("");
  return m;
}

}  // namespace mfrelay::relay
