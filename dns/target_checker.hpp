// What the verifier checks for one target, and the interface that looks a
// target up in DNS and judges the answers: MAIL FROM (mail_from_target_checker)
// or Easy DKIM (dkim_checker). check() runs on the verifier's executor; the
// answers come from the network and are untrusted.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "dns/mail_from_checker.hpp"
#include "policy/mail_from_check.hpp"
#include "policy/time.hpp"
#include "policy/verification.hpp"

namespace mfrelay::dns {

struct verification_target {
  std::string identity;  // normalized identity name; one target per identity (per verifier)
  // The setting checked, normalized: the MAIL FROM domain; for DKIM, the
  // identity's three tokens, space-separated (new keys restart at Pending).
  std::string mail_from_domain;
  policy::verification_state state;  // from the state store, or policy::initial_state(now) for a new/changed setting
  std::optional<policy::timestamp> last_check;  // when it was last checked, if known
  std::string expected_key{};  // DKIM: the p= value the records must carry; empty for MAIL FROM
};

struct checked_target {
  dns_check answers;
  policy::mail_from_evidence evidence;  // result and reason (spf: MAIL FROM only)
};

class target_checker {
 public:
  virtual ~target_checker() = default;
  // Never throws for DNS trouble: that is an inconclusive result.
  virtual boost::asio::awaitable<checked_target> check(const verification_target& target) = 0;
};

// MAIL FROM: the MX and TXT answers of target.mail_from_domain, judged by
// policy::evaluate_mail_from. `lookups` must outlive every check.
class mail_from_target_checker final : public target_checker {
 public:
  mail_from_target_checker(mail_from_checker& lookups, std::string expected_exchange, std::string spf_include)
      : lookups_(lookups), expected_exchange_(std::move(expected_exchange)), spf_include_(std::move(spf_include)) {}

  boost::asio::awaitable<checked_target> check(const verification_target& target) override {
    checked_target out;
    out.answers = co_await lookups_.check(target.mail_from_domain);
    out.evidence = policy::evaluate_mail_from(out.answers.mx, out.answers.txt, expected_exchange_, spf_include_);
    co_return out;
  }

 private:
  mail_from_checker& lookups_;
  std::string expected_exchange_;
  std::string spf_include_;
};

}  // namespace mfrelay::dns
