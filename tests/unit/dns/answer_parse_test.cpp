// dns/answer_parse: wire answers built by hand -> policy's typed answers.
#include "dns/answer_parse.hpp"

#include <ares.h>
#include <doctest/doctest.h>

#include "dns_wire.hpp"

namespace mfrelay::dns {
namespace {

using policy::dns_outcome;
using namespace test;

TEST_CASE("MX: one record") {
  auto msg = response("mail.example.com", type_mx, {record("mail.example.com", type_mx, mx_rdata(10, feedback))});
  auto mx = parse_mx_answer(msg);
  CHECK(mx.outcome == dns_outcome::ok);
  REQUIRE(mx.records.size() == 1);
  CHECK(mx.records[0] == policy::mx_record{10, feedback});
}

TEST_CASE("MX: several records keep their preferences, in answer order") {
  auto msg = response("mail.example.com", type_mx,
                      {record("mail.example.com", type_mx, mx_rdata(10, "a.example.net")),
                       record("mail.example.com", type_mx, mx_rdata(20, "b.example.net"))});
  auto mx = parse_mx_answer(msg);
  CHECK(mx.outcome == dns_outcome::ok);
  REQUIRE(mx.records.size() == 2);
  CHECK(mx.records[0] == policy::mx_record{10, "a.example.net"});
  CHECK(mx.records[1] == policy::mx_record{20, "b.example.net"});
}

TEST_CASE("MX: a compressed owner name is followed") {
  resource_record rr{pointer_to_question(), type_mx, mx_rdata(5, feedback)};
  auto mx = parse_mx_answer(response("mail.example.com", type_mx, {rr}));
  CHECK(mx.outcome == dns_outcome::ok);
  REQUIRE(mx.records.size() == 1);
  CHECK(mx.records[0].exchange == feedback);
}

TEST_CASE("MX: no records is nodata") {
  CHECK(parse_mx_answer(response("mail.example.com", type_mx, {})).outcome == dns_outcome::nodata);
  // Only a CNAME, no MX at its end.
  auto cname_only = response("mail.example.com", type_mx,
                             {record("mail.example.com", type_cname, encode_name("elsewhere.example.net"))});
  auto mx = parse_mx_answer(cname_only);
  CHECK(mx.outcome == dns_outcome::nodata);
  CHECK(mx.records.empty());
}

TEST_CASE("MX: a CNAME chain that comes back to a name seen is a loop (nodata, cname_loop)") {
  // What an authoritative server (knotd) answers for a.loop.example CNAME b, b CNAME a.
  auto two = response("a.loop.example", type_mx,
                      {record("a.loop.example", type_cname, encode_name("b.loop.example")),
                       record("B.Loop.Example", type_cname, encode_name("a.loop.example."))});
  auto mx = parse_mx_answer(two);
  CHECK(mx.outcome == dns_outcome::nodata);
  CHECK(mx.cname_loop);
  // A name that points at itself; a loop further down the chain.
  CHECK(cname_chain_loops(response("self.example", type_mx,
                                   {resource_record{pointer_to_question(), type_cname, pointer_to_question()}})));
  CHECK(cname_chain_loops(response("x.example", type_mx,
                                   {record("x.example", type_cname, encode_name("y.example")),
                                    record("y.example", type_cname, encode_name("z.example")),
                                    record("z.example", type_cname, encode_name("y.example"))})));
  // A chain that just ends (dangling, or at a name with no MX) is no loop: the implicit MX applies.
  auto chain = parse_mx_answer(response("x.example", type_mx,
                                        {record("x.example", type_cname, encode_name("y.example")),
                                         record("y.example", type_cname, encode_name("z.example"))}));
  CHECK(chain.outcome == dns_outcome::nodata);
  CHECK_FALSE(chain.cname_loop);
  // CNAMEs that loop among themselves but are not on the question's chain.
  CHECK_FALSE(cname_chain_loops(response("x.example", type_mx,
                                         {record("p.example", type_cname, encode_name("q.example")),
                                          record("q.example", type_cname, encode_name("p.example"))})));
  // Truncated bytes: no verdict from them.
  auto cut = two;
  cut.resize(cut.size() - 3);
  CHECK_FALSE(cname_chain_loops(cut));
}

TEST_CASE("TXT: a record's strings are joined; records stay apart") {
  auto msg = response("mail.example.com", type_txt,
                      {record("mail.example.com", type_txt, txt_rdata({"v=spf1 ", "include:amazonses.com ~all"})),
                       record("mail.example.com", type_txt, txt_rdata({"other"})),
                       record("mail.example.com", type_txt, txt_rdata({""}))});
  auto txt = parse_txt_answer(msg);
  CHECK(txt.outcome == dns_outcome::ok);
  REQUIRE(txt.texts.size() == 3);
  CHECK(txt.texts[0] == "v=spf1 include:amazonses.com ~all");
  CHECK(txt.texts[1] == "other");
  CHECK(txt.texts[2] == "");
}

TEST_CASE("TXT: no records is nodata") {
  CHECK(parse_txt_answer(response("mail.example.com", type_txt, {})).outcome == dns_outcome::nodata);
}

TEST_CASE("A and AAAA") {
  auto a = parse_a_answer(response("h.example.com", type_a,
                                   {record("h.example.com", type_a, address_rdata(AF_INET, "192.0.2.1")),
                                    record("h.example.com", type_a, address_rdata(AF_INET, "192.0.2.2"))}));
  CHECK(a.outcome == dns_outcome::ok);
  CHECK(a.addresses == std::vector<std::string>{"192.0.2.1", "192.0.2.2"});

  auto aaaa = parse_aaaa_answer(
      response("h.example.com", type_aaaa, {record("h.example.com", type_aaaa, address_rdata(AF_INET6, "2001:db8::1"))}));
  CHECK(aaaa.outcome == dns_outcome::ok);
  CHECK(aaaa.addresses == std::vector<std::string>{"2001:db8::1"});

  CHECK(parse_a_answer(response("h.example.com", type_a, {})).outcome == dns_outcome::nodata);
  CHECK(parse_aaaa_answer(response("h.example.com", type_aaaa, {})).outcome == dns_outcome::nodata);
}

TEST_CASE("truncated or garbage bytes are a bad response") {
  auto good = response("mail.example.com", type_mx, {record("mail.example.com", type_mx, mx_rdata(10, feedback))});
  for (std::size_t cut : {std::size_t{1}, std::size_t{3}, std::size_t{10}, good.size() - 12}) {
    CAPTURE(cut);
    bytes shortened(good.begin(), good.end() - static_cast<std::ptrdiff_t>(cut));
    CHECK(parse_mx_answer(shortened).outcome == dns_outcome::bad_response);
  }
  CHECK(parse_mx_answer({}).outcome == dns_outcome::bad_response);
  CHECK(parse_txt_answer({}).outcome == dns_outcome::bad_response);
  CHECK(parse_a_answer({}).outcome == dns_outcome::bad_response);
  CHECK(parse_aaaa_answer({}).outcome == dns_outcome::bad_response);

  bytes garbage = {0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff};
  CHECK(parse_mx_answer(garbage).outcome == dns_outcome::bad_response);
  CHECK(parse_txt_answer(garbage).outcome == dns_outcome::bad_response);

  // A TXT string longer than its record.
  resource_record overlong = record("mail.example.com", type_txt, {5, 'a', 'b'});
  CHECK(parse_txt_answer(response("mail.example.com", type_txt, {overlong})).outcome == dns_outcome::bad_response);

  // A header that claims two questions.
  auto two_questions = response("mail.example.com", type_mx, {}, {.qdcount = 2});
  CHECK(parse_mx_answer(two_questions).outcome == dns_outcome::bad_response);
}

TEST_CASE("outcome_of_status: c-ares statuses fold into the closed set") {
  struct row {
    int status;
    dns_outcome outcome;
  };
  for (auto [status, outcome] : {
           row{ARES_SUCCESS, dns_outcome::ok},
           row{ARES_ENOTFOUND, dns_outcome::nxdomain},
           row{ARES_ENODATA, dns_outcome::nodata},
           row{ARES_ESERVFAIL, dns_outcome::servfail},
           row{ARES_EREFUSED, dns_outcome::refused},
           row{ARES_ETIMEOUT, dns_outcome::timeout},
           row{ARES_ECONNREFUSED, dns_outcome::timeout},
           row{ARES_ECANCELLED, dns_outcome::timeout},
           row{ARES_EDESTRUCTION, dns_outcome::timeout},
           row{ARES_EFORMERR, dns_outcome::bad_response},
           row{ARES_ENOTIMP, dns_outcome::bad_response},
           row{ARES_EBADRESP, dns_outcome::bad_response},
           row{ARES_EBADNAME, dns_outcome::bad_response},
       }) {
    CAPTURE(status);
    CHECK(outcome_of_status(status) == outcome);
  }
}

}  // namespace
}  // namespace mfrelay::dns
