// SASL PLAIN and LOGIN exchanges: challenges, authzid rules, cancellation,
// strict base64, refusals that never reach password verification.
#include <doctest/doctest.h>

#include <string>

#include "relay/auth/base64.hpp"
#include "relay/smtp/auth_exchange.hpp"

namespace mfrelay::relay::smtp {
namespace {

using kind = auth_step::kind;

std::string plain(std::string_view raw) { return base64_encode(raw); }
std::string nul(const char* a, const char* b, const char* c) {
  return std::string(a) + '\0' + b + '\0' + c;
}

TEST_CASE("PLAIN with an initial response yields the credentials") {
  auth_exchange x;
  auto step = x.start("PLAIN", plain(nul("", "app1", "s3cret pass")));
  REQUIRE(step);
  CHECK(step->what == kind::credentials);
  CHECK(step->credentials.user == "app1");
  CHECK(step->credentials.password == "s3cret pass");
  CHECK_FALSE(x.active());

  step = x.start("plain", plain(nul("app1", "app1", "pw")));
  REQUIRE(step);
  CHECK(step->what == kind::credentials);
}

TEST_CASE("PLAIN without an initial response asks with an empty challenge") {
  auth_exchange x;
  auto step = x.start("PLAIN", std::nullopt);
  REQUIRE(step);
  CHECK(step->what == kind::challenge);
  CHECK(step->challenge.empty());
  CHECK(x.active());
  auth_step next = x.respond(plain(nul("", "app1", "pw")));
  CHECK(next.what == kind::credentials);
  CHECK(next.credentials.user == "app1");
  CHECK_FALSE(x.active());
}

TEST_CASE("PLAIN messages that cannot be valid are refused without verification") {
  const std::string rows[] = {
      nul("admin", "app1", "pw"),       // acting as someone else
      nul("", "", "pw"),                // no user
      nul("", "app1", ""),              // no password
      std::string("app1") + '\0' + "pw",  // one NUL
      nul("", "app1", "pw") + '\0' + "x",  // three NULs
      "",
  };
  for (const auto& raw : rows) {
    CAPTURE(plain(raw));
    auth_exchange x;
    auto step = x.start("PLAIN", raw.empty() ? std::string("=") : plain(raw));
    REQUIRE(step);
    CHECK(step->what == kind::refused);
  }
}

TEST_CASE("'*' cancels and bad base64 is undecodable, at any step") {
  auth_exchange x;
  CHECK(x.start("PLAIN", "*")->what == kind::cancelled);
  CHECK(x.start("PLAIN", "AGFwcDEAc2VjcmV")->what == kind::undecodable);
  CHECK(x.start("PLAIN", "AGFw cDEA")->what == kind::undecodable);
  x.start("PLAIN", std::nullopt);
  CHECK(x.respond("*").what == kind::cancelled);
  CHECK_FALSE(x.active());
  x.start("LOGIN", std::nullopt);
  CHECK(x.respond("!!!!").what == kind::undecodable);
  x.start("LOGIN", std::nullopt);
  x.respond(base64_encode("app1"));
  CHECK(x.respond("*").what == kind::cancelled);
  CHECK_FALSE(x.active());
}

TEST_CASE("LOGIN asks for the user name, then the password") {
  auth_exchange x;
  auto step = x.start("LOGIN", std::nullopt);
  REQUIRE(step);
  CHECK(step->what == kind::challenge);
  CHECK(step->challenge == "VXNlcm5hbWU6");
  auth_step next = x.respond(base64_encode("app1"));
  CHECK(next.what == kind::challenge);
  CHECK(next.challenge == "UGFzc3dvcmQ6");
  next = x.respond(base64_encode("secret"));
  CHECK(next.what == kind::credentials);
  CHECK(next.credentials.user == "app1");
  CHECK(next.credentials.password == "secret");

  step = x.start("login", base64_encode("app1"));  // initial response = user name
  REQUIRE(step);
  CHECK(step->challenge == "UGFzc3dvcmQ6");

  CHECK(x.start("LOGIN", "=")->what == kind::refused);  // empty user name
  x.start("LOGIN", base64_encode("app1"));
  CHECK(x.respond("").what == kind::refused);  // empty password
}

TEST_CASE("mechanisms other than PLAIN and LOGIN are unknown") {
  auth_exchange x;
  CHECK_FALSE(x.start("CRAM-MD5", std::nullopt));
  CHECK_FALSE(x.start("XOAUTH2", "abc"));
  CHECK_FALSE(x.active());
}

}  // namespace
}  // namespace mfrelay::relay::smtp
