#include "relay/events/syslog_message.hpp"

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

// PRINTUSASCII (33..126), at most `max` of them; "-" when nothing is left.
void append_field(std::string& out, std::string_view value, std::size_t max) {
  std::size_t kept = 0;
  for (char c : value) {
    if (kept == max) break;
    if (c >= 33 && c <= 126) {
      out += c;
      ++kept;
    }
  }
  if (kept == 0) out += '-';
}

}  // namespace

syslog_severity event_severity(std::string_view event_type) {
  if (event_type == "Reject" || event_type == "Bounce" || event_type == "AuthFailure") return syslog_severity::warning;
  if (event_type == "MailFromDomainStatusChange" || event_type == "DmarcVerdictChange") return syslog_severity::notice;
  return syslog_severity::info;
}

std::string rfc5424_message(const syslog_header& header, policy::timestamp at, std::string_view msgid,
                            syslog_severity severity, std::string_view msg) {
  std::string out;
  out.reserve(msg.size() + 128);
  out += '<';
  out += std::to_string(syslog_facility_mail * 8 + static_cast<int>(severity));
  out += ">1 ";
  out += iso8601(at);
  out += ' ';
  append_field(out, header.hostname, 255);
  out += ' ';
  append_field(out, header.app_name, 48);
  out += ' ';
  append_field(out, header.procid, 128);
  out += ' ';
  append_field(out, msgid, 32);
  out += " - ";
  out += msg;
  return out;
}

}  // namespace mfrelay::relay
