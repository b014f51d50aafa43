// Open-relay probes (% hack, bang paths, source routes, quoted local parts)
// from clients that are neither authenticated nor trusted: no transaction
// starts, no message is accepted. Authenticated, the same addresses are just
// addresses (or refused when they route).
#include <doctest/doctest.h>

#include "session_driver.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

const std::string probes[] = {
    "<victim%other.example@mx.test>",
    "<other.example!victim>",
    "<other.example!victim@mx.test>",
    "<@mx.test:victim@other.example>",
    "<@mx.test,@hop.example:victim@other.example>",
    "<\"victim@other.example\"@mx.test>",
    "<\"victim%other.example\"@mx.test>",
    "<victim@other.example>",
};

struct untrusted {
  const char* name;
  session_config config;
  std::string before;  // what the client does before MAIL
  std::string mail_reply;
};

TEST_CASE("untrusted clients get no transaction, whatever the recipient") {
  const untrusted clients[] = {
      {"password listener, plaintext", starttls_password(), "EHLO probe.example\r\n",
       "530 5.7.0 Must issue a STARTTLS command first\r\n"},
      {"password listener, TLS, no AUTH", starttls_password(), "EHLO probe.example\r\nSTARTTLS\r\nEHLO probe.example\r\n",
       "530 5.7.0 Authentication required\r\n"},
      {"password listener, failed AUTH", implicit_password(),
       "EHLO probe.example\r\nAUTH PLAIN " + plain_response("", "app1", "guess") + "\r\n",
       "530 5.7.0 Authentication required\r\n"},
      {"network listener, unknown address", network_listener(std::nullopt), "EHLO probe.example\r\n",
       "554 5.7.1 Access denied: client is not in any user's networks\r\n"},
  };
  for (const auto& client : clients) {
    for (const std::string& probe : probes) {
      CAPTURE(client.name);
      CAPTURE(probe);
      session_driver s(client.config);
      // Handshake steps are sent one by one (STARTTLS drops what follows it).
      std::string_view before = client.before;
      while (!before.empty()) {
        std::size_t eol = before.find('\n');
        s.send(before.substr(0, eol + 1));
        before.remove_prefix(eol + 1);
      }
      std::string r = s.send("MAIL FROM:<a@example.com>\r\nRCPT TO:" + probe +
                             "\r\nDATA\r\nFrom: a@example.com\r\n\r\nspam\r\n.\r\nQUIT\r\n");
      CHECK(r.rfind(client.mail_reply, 0) == 0);
      CHECK(r.find("503 5.5.1 Error: need MAIL command\r\n") != std::string::npos);
      CHECK(r.find("250 2.1.5") == std::string::npos);
      CHECK(r.find("354") == std::string::npos);
      CHECK(s.data_started == 0);
      CHECK(s.messages.empty());
      CHECK(s.hooks.calls.empty());
    }
  }
}

TEST_CASE("authenticated, % and quoted local parts are plain addresses; routes and bang paths are refused") {
  struct row {
    std::string probe;
    std::string reply;
  };
  const row rows[] = {
      {"<victim%other.example@mx.test>", "250 2.1.5 Ok\r\n"},
      {"<\"victim@other.example\"@mx.test>", "250 2.1.5 Ok\r\n"},
      {"<other.example!victim@mx.test>", "250 2.1.5 Ok\r\n"},
      {"<other.example!victim>", "553 5.1.3 <other.example!victim> address unknown\r\n"},
      {"<@mx.test:victim@other.example>", "553 5.1.3 <@mx.test:victim@other.example> address unknown\r\n"},
      {"<@mx.test,@hop.example:victim@other.example>",
       "553 5.1.3 <@mx.test,@hop.example:victim@other.example> address unknown\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.probe);
    session_driver s(implicit_password());
    s.login();
    s.send("MAIL FROM:<a@example.com>\r\n");
    CHECK(s.send("RCPT TO:" + r.probe + "\r\n") == r.reply);
  }
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
