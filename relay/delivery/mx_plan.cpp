#include "relay/delivery/mx_plan.hpp"

#include <algorithm>

#include "relay/delivery/delivery_trouble.hpp"

namespace mfrelay::relay {

namespace {

bool is_root(std::string_view exchange) { return exchange.empty() || exchange == "."; }

std::string without_trailing_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return std::string(name);
}

bool is_temporary(policy::dns_outcome o) {
  return o != policy::dns_outcome::ok && o != policy::dns_outcome::nodata && o != policy::dns_outcome::nxdomain;
}

}  // namespace

mx_plan plan_mx(std::string_view domain, const policy::mx_answer& answer, const mx_random& random) {
  mx_plan plan;
  switch (answer.outcome) {
    case policy::dns_outcome::nxdomain:
      plan.verdict = judge_no_such_domain(domain);
      return plan;
    case policy::dns_outcome::nodata:
      if (answer.cname_loop) {  // no implicit MX: the domain itself resolves to nothing, ever
        plan.verdict = judge_cname_loop(domain);
        return plan;
      }
      plan.hosts.push_back({without_trailing_dot(domain), 0});
      return plan;
    case policy::dns_outcome::ok:
      break;
    default:
      plan.verdict = judge_dns_trouble(domain, policy::to_string(answer.outcome));
      return plan;
  }
  if (answer.records.empty()) {  // "ok" with nothing in it: as NODATA
    plan.hosts.push_back({without_trailing_dot(domain), 0});
    return plan;
  }
  if (answer.records.size() == 1 && is_root(answer.records.front().exchange)) {
    plan.verdict = judge_null_mx(domain);
    return plan;
  }
  for (const auto& r : answer.records) {
    if (is_root(r.exchange)) continue;
    plan.hosts.push_back({without_trailing_dot(r.exchange), r.preference});
  }
  std::stable_sort(plan.hosts.begin(), plan.hosts.end(),
                   [](const mx_host& a, const mx_host& b) { return a.preference < b.preference; });
  // Fisher-Yates inside each run of equal preference.
  for (std::size_t begin = 0; begin < plan.hosts.size();) {
    std::size_t end = begin;
    while (end < plan.hosts.size() && plan.hosts[end].preference == plan.hosts[begin].preference) ++end;
    for (std::size_t i = end - begin; i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(random(i)) % i;
      std::swap(plan.hosts[begin + i - 1], plan.hosts[begin + j]);
    }
    begin = end;
  }
  if (plan.hosts.empty()) plan.verdict = judge_null_mx(domain);  // only root exchanges
  return plan;
}

mx_addresses order_addresses(const dns::address_answer& aaaa, const dns::address_answer& a) {
  mx_addresses out;
  for (const auto* answer : {&aaaa, &a}) {
    if (answer->outcome == policy::dns_outcome::ok) {
      out.addresses.insert(out.addresses.end(), answer->addresses.begin(), answer->addresses.end());
    } else if (is_temporary(answer->outcome)) {
      out.temporary = true;
    }
  }
  return out;
}

}  // namespace mfrelay::relay
