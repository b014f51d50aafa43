// Helpers for the policy unit tests: identities, tables, addresses and times
// built the way relay/policy_loader builds them, and printers so doctest shows
// enum values by name when an assertion fails. Test code only.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

#include "policy/decision.hpp"
#include "policy/domain_name.hpp"
#include "policy/email_address.hpp"
#include "policy/identity.hpp"
#include "policy/identity_table.hpp"
#include "policy/time.hpp"
#include "policy/verification.hpp"

namespace mfrelay::policy {

// Printers found by ADL, so a failing CHECK says "Pending", not "{?}".
inline std::ostream& operator<<(std::ostream& out, mail_from_status s) { return out << to_string(s); }
inline std::ostream& operator<<(std::ostream& out, check_result r) { return out << to_string(r); }
inline std::ostream& operator<<(std::ostream& out, decision_kind k) { return out << to_string(k); }
inline std::ostream& operator<<(std::ostream& out, reject_reason r) { return out << "'" << to_string(r) << "'"; }
inline std::ostream& operator<<(std::ostream& out, mx_failure_behavior b) { return out << to_string(b); }
inline std::ostream& operator<<(std::ostream& out, next_check n) {
  switch (n) {
    case next_check::regular: return out << "regular";
    case next_check::soon: return out << "soon";
    case next_check::never: return out << "never";
  }
  return out << "?";
}
inline std::ostream& operator<<(std::ostream& out, const smtp_reply& r) {
  return out << r.code << ' ' << r.enhanced << ' ' << r.text;
}

namespace test {

// What relay/ gets from libidn2, for the names the policy tests use.
inline idna_result fake_idna(std::string_view domain) {
  if (domain == "d\xc3\xa9st.test") return {"xn--dst-bma.test", ""};
  if (domain == "mail.d\xc3\xa9st.test") return {"mail.xn--dst-bma.test", ""};
  if (domain == "sub.d\xc3\xa9st.test") return {"sub.xn--dst-bma.test", ""};
  return {"", "not in the fake's table"};
}

inline constexpr auto pending = mail_from_status::pending;
inline constexpr auto success = mail_from_status::success;
inline constexpr auto temporary_failure = mail_from_status::temporary_failure;
inline constexpr auto failed = mail_from_status::failed;
inline constexpr auto use_default = mx_failure_behavior::use_default_value;
inline constexpr auto reject_msg = mx_failure_behavior::reject_message;

inline origin at(std::uint32_t line, std::uint32_t column = 1, std::string file = "policy.d/test.toml") {
  return {std::move(file), line, column};
}

// An identity as the loader makes it: name through parse_identity_name, MAIL
// FROM domain normalized. `line` places the [[identity]] table; the
// mail_from_domain key sits on the next line, column 1.
inline identity make_identity(std::string_view name, std::string_view mail_from = {},
                              mx_failure_behavior behavior = use_default, std::uint32_t line = 1) {
  auto parsed = parse_identity_name(name);
  REQUIRE_MESSAGE(parsed.value, parsed.error);
  identity id;
  id.name = parsed.value->name;
  id.kind = parsed.value->kind;
  id.mail_from_domain = normalize_domain(mail_from);
  id.behavior = behavior;
  id.where = at(line);
  id.mail_from_where = mail_from.empty() ? id.where : at(line + 1);
  return id;
}

inline identity_table make_table(std::initializer_list<identity> identities) {
  identity_table table;
  for (const auto& id : identities) REQUIRE(table.add(id) == nullptr);
  return table;
}

inline email_address address(std::string_view text) {
  auto parsed = parse_email_address(text);
  REQUIRE_MESSAGE(parsed, "not an address: " << text);
  return *parsed;
}

// The identities the decision tests share (policy.d/test.toml).
inline identity_table decision_identities() {
  return make_table({
      make_identity("example.com", "mail.example.com", use_default, 1),
      make_identity("billing@example.com", "bounce.example.com", reject_msg, 5),
      make_identity("plain.com", "", use_default, 9),
      make_identity("sub.example.com", "", use_default, 13),
  });
}

inline std::string not_verified_text(std::string_view region_upper, std::string_view list) {
  return "Message rejected: Email address is not verified. The following identities failed the check in region " +
         std::string(region_upper) + ": " + std::string(list);
}

// A fixed, unremarkable instant: 2024-11-15T12:00:00Z.
inline constexpr timestamp t0{duration{1'731'672'000'000}};

}  // namespace test
}  // namespace mfrelay::policy
