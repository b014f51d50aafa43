// dns/dkim_checker against a scripted DNS server on loopback: the three
// <token>._domainkey names through the real c-ares channel, a CNAME into a
// zone the server does not answer for followed, and each outcome's meaning.
#include "dns/dkim_checker.hpp"

#include <doctest/doctest.h>

#include "dns/resolver.hpp"
#include "support/test_io.hpp"
#include "test_dns_server.hpp"

namespace mfrelay::dns {
namespace {

namespace asio = boost::asio;
using policy::check_result;
using policy::dns_outcome;
using namespace test;

constexpr const char* key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest";

void script_key(test_dns_server& s, const std::string& name, std::string_view p = key) {
  const std::string value = "v=DKIM1; k=rsa; p=" + std::string(p);
  s.script(name, type_txt, {.answers = {record(name, type_txt, txt_rdata({value}))}});
}

verification_target target_of(std::string domain) {
  return {std::move(domain), "tok1 tok2 tok3", policy::initial_state({}), std::nullopt, key};
}

checked_target check(asio::io_context& io, test_dns_server& server, std::string domain) {
  resolver r(io.get_executor(), {{{"127.0.0.1", server.port()}}, std::chrono::milliseconds(200), 1});
  dkim_checker checker(r);
  auto out = run_awaitable(io, checker.check(target_of(std::move(domain))));
  r.shutdown();
  return out;
}

TEST_CASE("dkim_checker: the three names of the tokens") {
  CHECK(dkim_names("example.com", "a b c") ==
        std::vector<std::string>{"a._domainkey.example.com", "b._domainkey.example.com", "c._domainkey.example.com"});
}

TEST_CASE("dkim_checker: all three carry the key: pass; one missing: fail; one SERVFAIL: inconclusive") {
  asio::io_context io;
  test_dns_server server(io);
  for (const char* t : {"tok1", "tok2", "tok3"}) script_key(server, std::string(t) + "._domainkey.ok.test");
  script_key(server, "tok1._domainkey.gap.test");
  server.script("tok2._domainkey.gap.test", 0, {.rcode = rcode_nxdomain});
  script_key(server, "tok3._domainkey.gap.test");
  script_key(server, "tok1._domainkey.sf.test");
  server.script("tok2._domainkey.sf.test", 0, {.rcode = rcode_nxdomain});
  server.script("tok3._domainkey.sf.test", 0, {.rcode = rcode_servfail});

  auto ok = check(io, server, "ok.test");
  CHECK(ok.evidence.result == check_result::pass);
  REQUIRE(ok.answers.selectors.size() == 3);
  CHECK(ok.answers.selector_names[2] == "tok3._domainkey.ok.test");

  auto gap = check(io, server, "gap.test");
  CHECK(gap.evidence.result == check_result::fail);
  CHECK(gap.evidence.reason == "tok2._domainkey.gap.test: NXDOMAIN");

  // Resolver trouble on one name never moves a state, whatever the others say.
  CHECK(check(io, server, "sf.test").evidence.result == check_result::inconclusive);
}

TEST_CASE("dkim_checker: a CNAME the server leaves unresolved is followed to the key") {
  asio::io_context io;
  test_dns_server server(io);
  for (const char* t : {"tok1", "tok2", "tok3"}) {
    const std::string name = std::string(t) + "._domainkey.cname.test";
    const std::string target = std::string(t) + ".dkim.operator.test";
    // Authoritative for cname.test only: the CNAME, without the target's TXT.
    server.script(name, type_txt, {.answers = {record(name, type_cname, encode_name(target))}});
    script_key(server, target);
  }
  auto out = check(io, server, "cname.test");
  CHECK(out.evidence.result == check_result::pass);
  CHECK(out.answers.selectors[0].outcome == dns_outcome::ok);
}

}  // namespace
}  // namespace mfrelay::dns
