#include "relay/smtp/command.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "policy/ascii.hpp"

namespace mfrelay::relay::smtp {
namespace {

using policy::ascii_iequals;

constexpr std::array<std::pair<std::string_view, verb>, 17> verbs{{
    {"helo", verb::helo}, {"ehlo", verb::ehlo}, {"mail", verb::mail}, {"rcpt", verb::rcpt},
    {"data", verb::data}, {"rset", verb::rset}, {"noop", verb::noop}, {"quit", verb::quit},
    {"vrfy", verb::vrfy}, {"help", verb::help}, {"starttls", verb::starttls}, {"auth", verb::auth},
    // As Postfix's smtpd_forbidden_commands: a browser or proxy client
    // speaking HTTP to us is ended at once rather than answered line by line.
    {"connect", verb::forbidden}, {"get", verb::forbidden}, {"post", verb::forbidden},
    {"put", verb::forbidden}, {"head", verb::forbidden},
}};

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out(s.substr(0, std::min(s.size(), max)));
  for (char& ch : out) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) ch = '?';
  }
  return out;
}

}  // namespace

command parse_command(std::string_view line) {
  command c;
  std::size_t end = line.find_first_of(" \t");
  c.name = line.substr(0, end);
  if (end != std::string_view::npos) c.argument = trim_blanks(line.substr(end + 1));
  for (const auto& [name, v] : verbs) {
    if (ascii_iequals(c.name, name)) {
      c.what = v;
      break;
    }
  }
  return c;
}

std::string describe_command(std::string_view line) {
  command c = parse_command(line);
  if (c.what == verb::auth) {
    std::string_view mechanism = c.argument.substr(0, c.argument.find_first_of(" \t"));
    std::string out = printable(c.name, 16);
    if (!mechanism.empty()) out += ' ' + printable(mechanism, 32);
    if (mechanism.size() < c.argument.size()) out += " ***";
    return out;
  }
  return printable(line, 512);
}

}  // namespace mfrelay::relay::smtp
