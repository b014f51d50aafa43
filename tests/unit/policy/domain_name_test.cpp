// Domain names: normalization (case, trailing dot), hostname syntax with the
// exact reasons operators see, subdomain and parent relations.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "policy/domain_name.hpp"

namespace mfrelay::policy {
namespace {

const std::string label63(63, 'a');
const std::string label64(64, 'a');
// 4 labels of 63 plus 3 dots = 255; trimmed to exactly 253 and 254 octets.
const std::string long_name = label63 + '.' + label63 + '.' + label63 + '.' + label63;
const std::string name253 = long_name.substr(0, 251) + ".b";  // 251 + 2
const std::string name254 = long_name.substr(0, 252) + ".b";

TEST_CASE("normalize_domain lower-cases ASCII and drops one trailing dot") {
  struct row {
    std::string_view in, out;
  };
  const row rows[] = {
      {"Mail.Example.COM.", "mail.example.com"},
      {"example.com", "example.com"},
      {"EXAMPLE.COM", "example.com"},
      {"a.b..", "a.b."},  // only one dot is the root
      {".", ""},
      {"", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(normalize_domain(r.in) == r.out);
  }
}

TEST_CASE("hostname_error accepts hostnames") {
  const std::string valid[] = {
      "example.com", "mail.example.com", "a-b.example.com", "xn--bcher-kva.example", "1.example.com",
      "123.example", label63 + ".com", name253,
  };
  for (const auto& name : valid) {
    CAPTURE(name);
    CHECK(hostname_error(name) == "");
    CHECK(is_valid_hostname(name));
  }
  CHECK(name253.size() == 253);
}

TEST_CASE("hostname_error says why a name is not a hostname") {
  struct row {
    std::string name, why;
  };
  const row rows[] = {
      {"", "it is empty"},
      {name254, "it is longer than 253 characters"},
      {"a..example.com", "it has an empty label"},
      {".example.com", "it has an empty label"},
      {"example.com.", "it has an empty label"},  // callers normalize first
      {label64 + ".com", "label '" + label64 + "' is longer than 63 characters"},
      {"mail_x.example.com", "label 'mail_x' has a character other than letters, digits and '-'"},
      {"Mail.example.com", "label 'Mail' has a character other than letters, digits and '-'"},
      {"a b.example.com", "label 'a b' has a character other than letters, digits and '-'"},
      {"*.example.com", "label '*' has a character other than letters, digits and '-'"},
      {"-mail.example.com", "label '-mail' starts or ends with '-'"},
      {"mail-.example.com", "label 'mail-' starts or ends with '-'"},
      {"example.-com", "label '-com' starts or ends with '-'"},
      {"localhost", "it has a single label"},
      {"192.0.2.1", "its last label is all digits"},
      {"mail.example.123", "its last label is all digits"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(hostname_error(r.name) == r.why);
    CHECK_FALSE(is_valid_hostname(r.name));
  }
  CHECK(name254.size() == 254);
}

TEST_CASE("a single label is a hostname only when allowed") {
  CHECK(hostname_error("localhost", true) == "");
  CHECK(hostname_error("mx1", true) == "");
  CHECK(hostname_error("", true) == "it is empty");
  CHECK(hostname_error("-x", true) == "label '-x' starts or ends with '-'");
}

TEST_CASE("is_subdomain_of means a proper subdomain at a label boundary") {
  struct row {
    std::string_view name, parent;
    bool expected;
  };
  const row rows[] = {
      {"mail.example.com", "example.com", true},
      {"a.b.example.com", "example.com", true},
      {"a.b.example.com", "b.example.com", true},
      {"example.com", "example.com", false},  // equal is not a subdomain
      {"badexample.com", "example.com", false},
      {"example.com", "mail.example.com", false},
      {"mail.example.net", "example.com", false},
      {"example.com", "", false},
      {"com", "com", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CAPTURE(r.parent);
    CHECK(is_subdomain_of(r.name, r.parent) == r.expected);
  }
}

TEST_CASE("parent_domain drops the first label") {
  CHECK(parent_domain("a.b.example.com") == "b.example.com");
  CHECK(parent_domain("example.com") == "com");
  CHECK(parent_domain("com") == "");
  CHECK(parent_domain("") == "");
}

}  // namespace
}  // namespace mfrelay::policy
