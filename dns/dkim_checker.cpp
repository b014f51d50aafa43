#include "dns/dkim_checker.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "dns/resolver.hpp"
#include "policy/dkim_check.hpp"

namespace mfrelay::dns {

std::vector<std::string> dkim_names(const std::string& domain, const std::string& tokens) {
  std::vector<std::string> names;
  for (const auto& selector : policy::dkim_setting_selectors(tokens)) names.push_back(selector + "._domainkey." + domain);
  return names;
}

namespace {

// A CNAME the server answered without its target's records (an authoritative
// server for the identity's zone only, as `[dns] servers` may name) is
// followed here, as a recursive resolver would; a few hops at most.
boost::asio::awaitable<policy::txt_answer> txt_following_cnames(resolver& r, std::string name) {
  policy::txt_answer a = co_await r.txt(std::move(name));
  for (int hop = 0; hop < 8 && a.outcome == policy::dns_outcome::nodata && !a.cname.empty(); ++hop) {
    std::string next = std::move(a.cname);
    a = co_await r.txt(std::move(next));
  }
  co_return a;
}

}  // namespace

boost::asio::awaitable<checked_target> dkim_checker::check(const verification_target& target) {
  using namespace boost::asio::experimental::awaitable_operators;
  checked_target out;
  out.answers.selector_names = dkim_names(target.identity, target.mail_from_domain);
  const auto& names = out.answers.selector_names;
  if (names.size() == 3) {
    // All three at once: a check costs one round trip. None throws.
    auto [a, b, c] = co_await (txt_following_cnames(resolver_, names[0]) && txt_following_cnames(resolver_, names[1]) &&
                               txt_following_cnames(resolver_, names[2]));
    out.answers.selectors = {std::move(a), std::move(b), std::move(c)};
  } else {
    for (const auto& name : names) out.answers.selectors.push_back(co_await txt_following_cnames(resolver_, name));
  }
  out.evidence = policy::evaluate_dkim(names, out.answers.selectors, target.expected_key);
  co_return out;
}

}  // namespace mfrelay::dns
