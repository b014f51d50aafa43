// The DNS half of one Easy DKIM check: the TXT records of the identity's three
// <token>._domainkey.<domain> names, looked up at once through a resolver that
// must outlive every check (a CNAME to an operator's cname_target zone is
// followed by the resolver), judged by policy::evaluate_dkim. Called on the
// verifier's executor. The answers are untrusted network data.
#pragma once
#include <string>
#include <vector>

#include "dns/target_checker.hpp"

namespace mfrelay::dns {

class resolver;

// "<token>._domainkey.<domain>" for each space-separated token.
std::vector<std::string> dkim_names(const std::string& domain, const std::string& tokens);

class dkim_checker final : public target_checker {
 public:
  explicit dkim_checker(resolver& r) : resolver_(r) {}
  // target.identity is the domain, target.mail_from_domain its tokens,
  // target.expected_key the public key the records must carry.
  boost::asio::awaitable<checked_target> check(const verification_target& target) override;

 private:
  resolver& resolver_;
};

}  // namespace mfrelay::dns
