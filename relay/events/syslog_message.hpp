// RFC 5424 syslog messages for events: facility mail, a severity per event
// type, MSGID = eventType, no structured data, the event's JSON as MSG.
// Pure functions; any thread. Header fields are reduced to what RFC 5424 allows.
#pragma once
#include <string>
#include <string_view>

#include "policy/time.hpp"

namespace mfrelay::relay {

inline constexpr int syslog_facility_mail = 2;

enum class syslog_severity { warning = 4, notice = 5, info = 6 };

// Reject, Bounce, AuthFailure: warning; MailFromDomainStatusChange: notice; else info.
syslog_severity event_severity(std::string_view event_type);

struct syslog_header {
  std::string hostname;  // "" = "-" (NILVALUE)
  std::string app_name = "mfrelay";
  std::string procid;  // the process id; "" = "-"
};

// "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG", PRI = facility * 8 + severity,
// TIMESTAMP in UTC with milliseconds. No trailing newline (RFC 5426: one per datagram).
std::string rfc5424_message(const syslog_header& header, policy::timestamp at, std::string_view msgid,
                            syslog_severity severity, std::string_view msg);

}  // namespace mfrelay::relay
