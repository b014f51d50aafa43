// One SMTP command line split into its verb and argument, and the masked form
// of a line that may be logged. Pure, any thread. Lines come from the client.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::relay::smtp {

enum class verb {
  helo, ehlo, mail, rcpt, data, rset, noop, quit, vrfy, help, starttls, auth,
  forbidden,  // CONNECT, GET, POST, ...: another protocol talking to the SMTP port
  unknown,
};

struct command {
  verb what = verb::unknown;
  std::string_view name;      // the verb as written
  std::string_view argument;  // after the verb, leading and trailing blanks removed
};

// The verb is case-insensitive and ends at the first space or tab.
command parse_command(std::string_view line);

// The line as it may appear in logs: AUTH keeps only its mechanism ("AUTH PLAIN ***"),
// control characters become '?', at most 512 octets. Never holds an AUTH payload.
std::string describe_command(std::string_view line);

}  // namespace mfrelay::relay::smtp
