// The DNS half of one MAIL FROM check: the MX and TXT answers for a domain. The
// verifier calls check() from its executor and awaits it there. The answers come from
// the network and are untrusted; policy::evaluate_mail_from judges them.
#pragma once
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "policy/mail_from_check.hpp"

namespace mfrelay::dns {

class resolver;

struct dns_check {
  policy::mx_answer mx;
  policy::txt_answer txt;
  // DKIM checks only (mx and txt stay unused): the TXT answer of each
  // <token>._domainkey.<domain> name, in the order of selector_names.
  std::vector<std::string> selector_names{};
  std::vector<policy::txt_answer> selectors{};
};

// An interface so the verifier can be tested with scripted answers.
class mail_from_checker {
 public:
  virtual ~mail_from_checker() = default;
  // Never throws for DNS trouble: that is an outcome inside the answers.
  virtual boost::asio::awaitable<dns_check> check(std::string domain) = 0;
};

// Looks the MX and TXT records up concurrently through a resolver, which must outlive
// every check in flight.
class resolver_mail_from_checker final : public mail_from_checker {
 public:
  explicit resolver_mail_from_checker(resolver& r) : resolver_(r) {}
  boost::asio::awaitable<dns_check> check(std::string domain) override;

 private:
  resolver& resolver_;
};

}  // namespace mfrelay::dns
