#include "relay/notify/notification_email.hpp"

#include <string_view>

#include "policy/dns_records.hpp"
#include "policy/duration_text.hpp"
#include "relay/common/clock.hpp"
#include "relay/spool/null_sender_envelope.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;

constexpr std::size_t max_line = 900;  // RFC 5322 allows 998 octets; stay well under

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Printable ASCII stays; anything else (CR, LF, control bytes, 8-bit) becomes \xNN,
// so text from DNS can neither break a line nor smuggle a header or a dot. Unlike
// policy::printable, a backslash stays: DNS text in events (spfReason) has been
// through policy::printable already and must not be escaped twice.
std::string printable(std::string_view text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

// Appends `text` (printable ASCII, no newline) as one or more CRLF lines of at most max_line.
void add_line(std::string& body, std::string_view text = {}) {
  do {
    std::string_view part = text.substr(0, max_line);
    body += part;
    body += "\r\n";
    text.remove_prefix(part.size());
  } while (!text.empty());
}

std::string fallback_text(std::string_view behavior) {
  if (behavior == "RejectMessage")
    return "Uses the custom MAIL FROM fallback setting, RejectMessage: messages are rejected with "
           "MailFromDomainNotVerified.";
  return "Uses the custom MAIL FROM fallback setting, UseDefaultValue: messages use the default MAIL FROM "
         "domain.";
}

void explain_state(std::string& body, std::string_view status, std::string_view behavior,
                   const notification_email_settings& s) {
  const std::string window = policy::format_duration(s.window);
  std::string sending, actions;
  if (status == "Success") {
    sending = "Uses the custom MAIL FROM domain.";
    actions = "mfrelay continuously checks that the required MX record is in place.";
  } else if (status == "Pending") {
    sending = fallback_text(behavior);
    actions = "mfrelay attempts to detect the required MX record for " + window +
              ". If unsuccessful, the state changes to \"Failed\".";
  } else if (status == "TemporaryFailure") {
    sending = fallback_text(behavior);
    actions = "mfrelay attempts to detect the required MX record for " + window +
              ". If unsuccessful, the state changes to \"Failed\"; if successful, the state changes to \"Success\".";
  } else {
    sending = fallback_text(behavior);
    actions = "mfrelay no longer attempts to detect the required MX record. To use a custom MAIL FROM domain, "
              "you have to restart the setup process.";
  }
  add_line(body, "Email sending behavior: " + sending);
  add_line(body, "mfrelay actions: " + actions);
}

void explain_dns(std::string& body, const json::object& change) {
  add_line(body, "What mfrelay found in DNS:");
  add_line(body, "  Result: " + printable(text_of(change, "reason")));
  const json::value* dns = change.if_contains("dns");
  if (!dns || !dns->is_object()) add_line(body, "  (no DNS answers recorded with this change)");
  if (dns && dns->is_object()) {
    for (auto [key, label] : {std::pair{"mx", "MX"}, std::pair{"txt", "TXT"}}) {
      const json::value* answer = dns->as_object().if_contains(key);
      if (!answer || !answer->is_object()) continue;
      const json::object& a = answer->as_object();
      add_line(body, std::string("  ") + label + " records (" + printable(text_of(a, "outcome")) + "):");
      const json::value* records = a.if_contains("records");
      bool none = true;
      if (records && records->is_array()) {
        for (const auto& r : records->as_array()) {
          if (!r.is_string()) continue;
          add_line(body, "    " + printable(r.get_string()));
          none = false;
        }
      }
      if (none) add_line(body, "    (none)");
    }
  }
  std::string spf = printable(text_of(change, "spf"));
  std::string spf_reason = printable(text_of(change, "spfReason"));
  add_line(body, "  SPF: " + (spf.empty() ? std::string("unknown") : spf) +
                     (spf_reason.empty() ? std::string() : " (" + spf_reason + ")"));
}

void explain_todo(std::string& body, std::string_view status, const std::string& identity,
                  const std::string& domain, const notification_email_settings& s) {
  add_line(body, "What to do:");
  if (status == "Success") {
    add_line(body, "  Nothing. Keep the MX record in place: if it goes, the state changes to \"TemporaryFailure\".");
    return;
  }
  if (status == "Failed") {
    add_line(body, "  Publish the records below, then set the MAIL FROM domain again (change the identity's");
    add_line(body, "  mail_from_domain in policy.d and reload, or call SetIdentityMailFromDomain): the setup");
    add_line(body, "  restarts at \"Pending\".");
  } else {
    add_line(body, "  Publish exactly one MX record on " + domain + ", and the SPF record. If the MAIL FROM");
    add_line(body, "  domain has several MX records, the setup fails. mfrelay detects the records by itself.");
  }
  policy::identity id;
  id.name = identity;
  id.mail_from_domain = domain;
  add_line(body);
  for (const auto& r : policy::required_records(id, s.feedback_host, s.spf_include))
    add_line(body, "    " + r.name + "  " + r.type + "  " + r.value);
  add_line(body);
  add_line(body, "  `mfrelay records " + identity + "` prints them in zone file, CSV or JSON form.");
}

std::string header_value(std::string_view text) { return printable(text); }

}  // namespace

std::optional<notification_email> status_change_email(const json::object& event,
                                                      const notification_email_settings& s,
                                                      const std::string& message_id, policy::timestamp now) {
  if (text_of(event, "eventType") != "MailFromDomainStatusChange") return std::nullopt;
  const json::value* change_value = event.if_contains("mailFromDomainStatusChange");
  if (!change_value || !change_value->is_object()) return std::nullopt;
  const json::object& change = change_value->as_object();
  std::string behavior;
  if (const json::value* p = event.if_contains("policy"); p && p->is_object())
    behavior = text_of(p->as_object(), "behaviorOnMxFailure");

  // Identity and domain were validated by the configuration; printable() anyway, as for all header text.
  const std::string identity = printable(text_of(change, "identity"));
  const std::string domain = printable(text_of(change, "mailFromDomain"));
  const std::string status = printable(text_of(change, "status"));
  const std::string previous = printable(text_of(change, "previousStatus"));
  const std::string since = printable(text_of(change, "since"));

  notification_email mail;
  mail.subject = "MAIL FROM domain " + domain + " for " + identity + " is now " + status;
  const std::string header_message_id = "<" + message_id + "@" + header_value(s.hostname) + ">";

  std::string& m = mail.content;
  m += "From: " + header_value(s.from) + "\r\n";
  m += "To: " + header_value(s.to) + "\r\n";
  m += "Subject: " + header_value(mail.subject) + "\r\n";
  m += "Date: " + rfc5322_date(now) + "\r\n";
  m += "Message-ID: " + header_message_id + "\r\n";
  m += "Auto-Submitted: auto-generated\r\n";  // RFC 3834: no auto-replies to this
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 7bit\r\n";
  m += "\r\n";

  add_line(m, "The custom MAIL FROM domain " + domain + " of the identity " + identity + " is now " + status +
                  (previous.empty() ? std::string(" (a new setting).") : " (it was " + previous + ")."));
  add_line(m, "Since: " + since);
  if (!behavior.empty()) add_line(m, "Behavior on MX failure: " + printable(behavior));
  add_line(m);
  explain_state(m, status, behavior, s);
  add_line(m);
  explain_dns(m, change);
  add_line(m);
  explain_todo(m, status, identity, domain, s);
  add_line(m);
  add_line(m, "-- ");
  add_line(m, "mfrelay on " + header_value(s.hostname) + ". Each time the state changes, mfrelay sends a notification");
  add_line(m, "to the address in [notifications] email.");

  mail.env = null_sender_envelope({.id = message_id,
                                   .to = s.to,
                                   .from = s.from,
                                   .header_message_id = header_message_id,
                                   .subject = mail.subject,
                                   .decision = "notification",
                                   .listener = "notifications",
                                   .more_mail = {}},
                                  now);
  return mail;
}

}  // namespace mfrelay::relay
