// The web console's HTML pages and its stylesheet and copy-button script,
// rendered on the server from plain values (admin_console fills them). Pure,
// any thread. Every value is escaped (html_escape): names, reasons and DNS
// evidence come from configuration, DNS answers and clients.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/dns_records.hpp"

namespace mfrelay::relay {

struct console_identity_row {
  std::string identity;
  std::string mail_from_domain;  // "" without a custom one
  std::string state;             // "" without a custom one
  std::string since, last_check, spf, reason;  // "" when unknown
  std::string behavior;          // USE_DEFAULT_VALUE / REJECT_MESSAGE
};

struct console_transition_row {
  std::string at, from, to, reason, evidence;  // evidence: the DNS answers (JSON)
};

struct console_identity_page {
  console_identity_row row;
  std::vector<policy::dns_record> records;  // empty without a custom MAIL FROM domain
  std::string default_mail_from_domain;
  std::vector<console_transition_row> history;
  std::string notice;               // "" or a line saying what just happened
  std::vector<std::string> errors;  // why the form was refused
  std::string form_mail_from;       // what the form shows (the refused input, else the current value)
};

// The frame of every page: title, the signed-in user with a sign-out form
// (when `user` is not empty), the body.
std::string console_layout(std::string_view title, std::string_view user, std::string_view csrf_token,
                           std::string_view body);

// The sign-in form; `login_token` goes in its hidden field; `error` "" or why the last try failed.
std::string console_login_page(std::string_view login_token, std::string_view error);

std::string console_identities_page(const std::vector<console_identity_row>& rows, std::string_view user,
                                    std::string_view csrf_token);

std::string console_identity_page_html(const console_identity_page& page, std::string_view user,
                                       std::string_view csrf_token);

// A page with one message (404, 403, 429...).
std::string console_message_page(std::string_view title, std::string_view message);

std::string_view console_stylesheet();
std::string_view console_copy_script();  // progressive enhancement: the pages work without it

// "/console/identities/<name, percent-encoded>"
std::string console_identity_url(std::string_view identity);

}  // namespace mfrelay::relay
