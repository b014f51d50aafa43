#include "relay/smtp/envelope_arguments.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "policy/ascii.hpp"
#include "policy/utf8.hpp"
#include "relay/common/idna.hpp"
#include "relay/smtp/standard_replies.hpp"

namespace mfrelay::relay::smtp {
namespace {

using policy::ascii_iequals;
using policy::ascii_istarts_with;

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// "<path>" followed by nothing or by " params". The closing '>' is the first one
// outside a quoted string: a quoted local part may hold '>' and spaces.
struct split_path {
  bool ok = false;
  std::string_view path;    // between the brackets
  std::string_view params;  // after the blank(s) following '>'
};

split_path split_bracketed(std::string_view s) {
  split_path out;
  if (s.empty() || s.front() != '<') return out;
  bool quoted = false;
  std::size_t i = 1;
  for (; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '"') quoted = !quoted;
    if (!quoted && s[i] == '>') break;
  }
  if (i >= s.size()) return out;
  std::string_view rest = s.substr(i + 1);
  if (!rest.empty() && rest.front() != ' ') return out;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  out.ok = true;
  out.path = s.substr(1, i - 1);
  out.params = rest;
  return out;
}

// "FROM:" / "TO:", then optional blanks (many clients send "MAIL FROM: <a@b>").
std::optional<split_path> after_keyword(std::string_view argument, std::string_view keyword) {
  if (!ascii_istarts_with(argument, keyword)) return std::nullopt;
  argument.remove_prefix(keyword.size());
  while (!argument.empty() && argument.front() == ' ') argument.remove_prefix(1);
  split_path p = split_bracketed(argument);
  if (!p.ok) return std::nullopt;
  return p;
}

enum class address_problem { none, invalid, needs_smtputf8 };

address_problem check_address(std::string_view path, bool smtputf8, std::optional<policy::email_address>& out) {
  // A source route ("@a,@b:user@c") would have us relay through hosts the
  // client names; RFC 5321 lets servers ignore it, we refuse it outright.
  if (path.front() == '@') return address_problem::invalid;
  if (!is_ascii(path)) {
    if (!smtputf8) return address_problem::needs_smtputf8;
    if (!policy::is_utf8(path)) return address_problem::invalid;
  }
  // RFC 6531 3.3: with SMTPUTF8 the domain may be written with U-labels;
  // libidn2 gives the A-label form identities are matched on.
  out = policy::parse_email_address(path, smtputf8 ? &idna_to_ascii : nullptr);
  return out ? address_problem::none : address_problem::invalid;
}

}  // namespace

mail_from_result parse_mail_from(std::string_view argument) {
  mail_from_result result;
  std::optional<split_path> p = after_keyword(argument, "FROM:");
  if (!p) {
    result.error = replies::syntax("MAIL FROM:<address>");
    return result;
  }
  mail_from_argument value;
  std::string_view params = p->params;
  while (!params.empty()) {
    std::size_t end = params.find(' ');
    std::string_view param = params.substr(0, end);
    params = end == std::string_view::npos ? std::string_view{} : params.substr(end + 1);
    while (!params.empty() && params.front() == ' ') params.remove_prefix(1);
    std::size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::optional<std::string_view> val;
    if (eq != std::string_view::npos) val = param.substr(eq + 1);
    if (ascii_iequals(key, "SIZE") && val) {
      std::uint64_t n = 0;
      auto [ptr, ec] = std::from_chars(val->data(), val->data() + val->size(), n);
      if (val->empty() || ec != std::errc{} || ptr != val->data() + val->size()) {
        result.error = replies::bad_size_syntax();
        return result;
      }
      value.params.size = n;
    } else if (ascii_iequals(key, "BODY") && val && ascii_iequals(*val, "7BIT")) {
      value.params.body = body_type::seven_bit;
    } else if (ascii_iequals(key, "BODY") && val && ascii_iequals(*val, "8BITMIME")) {
      value.params.body = body_type::eight_bit_mime;
    } else if (ascii_iequals(key, "SMTPUTF8") && !val) {
      value.params.smtputf8 = true;
    } else if (ascii_iequals(key, "AUTH") && val && !val->empty()) {
      // RFC 4954 5: the submitter's identity as the client asserts it. We trust
      // only our own AUTH, so the value is accepted and ignored.
    } else {
      result.error = replies::unsupported_option(param);
      return result;
    }
  }
  if (!p->path.empty()) {
    switch (check_address(p->path, value.params.smtputf8, value.sender)) {
      case address_problem::none:
        break;
      case address_problem::invalid:
        result.error = replies::invalid_sender(p->path);
        return result;
      case address_problem::needs_smtputf8:
        result.error = replies::needs_smtputf8();
        return result;
    }
  }
  result.value = std::move(value);
  return result;
}

rcpt_to_result parse_rcpt_to(std::string_view argument, bool smtputf8) {
  rcpt_to_result result;
  std::optional<split_path> p = after_keyword(argument, "TO:");
  if (!p) {
    result.error = replies::syntax("RCPT TO:<address>");
    return result;
  }
  if (!p->params.empty()) {
    result.error = replies::unsupported_option(p->params.substr(0, p->params.find(' ')));
    return result;
  }
  if (p->path.empty()) {
    result.error = replies::unknown_recipient("");
    return result;
  }
  switch (check_address(p->path, smtputf8, result.value)) {
    case address_problem::none:
      break;
    case address_problem::invalid:
      result.error = replies::unknown_recipient(p->path);
      break;
    case address_problem::needs_smtputf8:
      result.error = replies::needs_smtputf8();
      break;
  }
  return result;
}

}  // namespace mfrelay::relay::smtp
