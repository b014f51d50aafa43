// What the verifier hands over after every check, and the interface relay/ implements
// to persist it (durably), swap the state snapshot and log events. record() is called
// from the verifier's executor. The report's DNS evidence is untrusted network data.
#pragma once
#include <string>

#include <boost/asio/awaitable.hpp>

#include "dns/mail_from_checker.hpp"
#include "policy/mail_from_check.hpp"
#include "policy/time.hpp"
#include "policy/verification.hpp"

namespace mfrelay::dns {

struct check_report {
  std::string identity;
  std::string mail_from_domain;
  policy::verification_state before;
  policy::transition transition;        // from policy::advance; transition.state is the state after
  policy::mail_from_evidence evidence;  // from policy::evaluate_mail_from
  dns_check answers;                    // the records seen and each lookup's outcome
  policy::timestamp checked_at;
};

class verification_sink {
 public:
  virtual ~verification_sink() = default;
  // Called for every check, with or without a transition. The verifier adopts
  // report.transition.state only after this completes; if it throws, the state is not
  // adopted and the check is retried on the retry interval.
  virtual boost::asio::awaitable<void> record(const check_report& report) = 0;
};

}  // namespace mfrelay::dns
