// libFuzzer harness for DNS answer handling: raw wire bytes through
// dns/answer_parse (MX, TXT, A, AAAA, via c-ares' parsers) and the typed
// answers through policy::evaluate_mail_from, the decision that moves a
// MAIL FROM domain's state. Checks the typed answers are self-consistent and
// that only "exactly one MX, the expected host" ever passes.
//
// Input: [mode] [len hi] [len lo] mx-bytes[len] txt-bytes...
//   mode bits 0-2 / 3-5: a c-ares status instead of the MX / TXT bytes
//   (0 = parse the bytes, as query_op does on ARES_SUCCESS);
//   bit 6: expect the MX's own exchange (so the pass branch is reachable).
// Both byte strings also go through the A and AAAA parsers.
#include <arpa/inet.h>
#include <ares.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "dns/answer_parse.hpp"
#include "fuzz_check.hpp"
#include "policy/domain_name.hpp"
#include "policy/mail_from_check.hpp"

namespace {

using mfrelay::policy::dns_outcome;

constexpr int statuses[] = {ARES_SUCCESS, ARES_ENOTFOUND, ARES_ENODATA,  ARES_ESERVFAIL,
                            ARES_EREFUSED, ARES_ETIMEOUT, ARES_EBADRESP, ARES_ECONNREFUSED};

bool inconclusive(dns_outcome o) {
  return o == dns_outcome::servfail || o == dns_outcome::refused || o == dns_outcome::timeout ||
         o == dns_outcome::bad_response;
}

void check_addresses(const mfrelay::dns::address_answer& a, int family) {
  FUZZ_CHECK((a.outcome == dns_outcome::ok) == !a.addresses.empty());
  FUZZ_CHECK(a.outcome != dns_outcome::timeout);  // a parse never times out
  for (const std::string& text : a.addresses) {
    unsigned char buf[16];
    FUZZ_CHECK_MSG(inet_pton(family, text.c_str(), buf) == 1, text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t mode = bytes[0];
  const std::size_t rest = size - 3;
  const std::size_t mx_len = std::min<std::size_t>(static_cast<std::size_t>(bytes[1] << 8 | bytes[2]), rest);
  const std::span<const unsigned char> mx_bytes(bytes + 3, mx_len);
  const std::span<const unsigned char> txt_bytes(bytes + 3 + mx_len, rest - mx_len);

  for (auto part : {mx_bytes, txt_bytes}) {
    check_addresses(mfrelay::dns::parse_a_answer(part), AF_INET);
    check_addresses(mfrelay::dns::parse_aaaa_answer(part), AF_INET6);
  }

  // As query_op.hpp: a c-ares status other than success never reaches the parser.
  mfrelay::policy::mx_answer mx;
  if (int s = statuses[mode & 7]; s != ARES_SUCCESS) {
    mx.outcome = mfrelay::dns::outcome_of_status(s);
  } else {
    mx = mfrelay::dns::parse_mx_answer(mx_bytes);
    FUZZ_CHECK((mx.outcome == dns_outcome::ok) == !mx.records.empty());
    FUZZ_CHECK(mx.outcome == dns_outcome::ok || mx.outcome == dns_outcome::nodata ||
               mx.outcome == dns_outcome::bad_response);
  }
  mfrelay::policy::txt_answer txt;
  if (int s = statuses[mode >> 3 & 7]; s != ARES_SUCCESS) {
    txt.outcome = mfrelay::dns::outcome_of_status(s);
  } else {
    txt = mfrelay::dns::parse_txt_answer(txt_bytes);
    FUZZ_CHECK((txt.outcome == dns_outcome::ok) == !txt.texts.empty());
    FUZZ_CHECK(txt.outcome == dns_outcome::ok || txt.outcome == dns_outcome::nodata ||
               txt.outcome == dns_outcome::bad_response);
  }

  std::string expected = "feedback-smtp.us-west-2.amazonses.com";
  if (mode & 0x40 && !mx.records.empty()) expected = mx.records.front().exchange;
  const mfrelay::policy::mail_from_evidence e =
      mfrelay::policy::evaluate_mail_from(mx, txt, expected, "amazonses.com");
  FUZZ_CHECK(!e.reason.empty() && !e.spf_reason.empty());
  switch (e.result) {
    case mfrelay::policy::check_result::pass:
      FUZZ_CHECK(mx.outcome == dns_outcome::ok && mx.records.size() == 1);
      FUZZ_CHECK(mfrelay::policy::normalize_domain(mx.records[0].exchange) ==
                 mfrelay::policy::normalize_domain(expected));
      break;
    case mfrelay::policy::check_result::fail:
      FUZZ_CHECK(!inconclusive(mx.outcome));
      break;
    case mfrelay::policy::check_result::inconclusive:
      // Resolver trouble must never fail a domain (DESIGN.md: never flap).
      FUZZ_CHECK(inconclusive(mx.outcome));
      break;
  }
  if (e.spf == mfrelay::policy::spf_status::ok) FUZZ_CHECK(txt.outcome == dns_outcome::ok);
  if (e.spf == mfrelay::policy::spf_status::unknown) FUZZ_CHECK(inconclusive(txt.outcome));
  return 0;
}
