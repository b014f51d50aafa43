#include "relay/delivery/delivery_destination.hpp"

#include <algorithm>

#include "policy/ascii.hpp"
#include "policy/domain_name.hpp"
#include "relay/common/idna.hpp"

namespace mfrelay::relay {

std::string recipient_domain(const std::string& address) {
  auto at = address.rfind('@');
  if (at == std::string::npos || at + 1 >= address.size()) return "";
  std::string_view domain(address);
  domain.remove_prefix(at + 1);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  auto ascii = idna_to_ascii(domain);
  // An address literal ("[192.0.2.1]") or anything else that is no host name has no MX to look up.
  if (!policy::hostname_error(ascii.ascii, true).empty()) return "";
  return policy::ascii_lowered(ascii.ascii);
}

delivery_destination destination_for(const std::string& domain, const policy::delivery_settings& delivery) {
  policy::delivery_route route = delivery.route_for(domain);
  delivery_destination d;
  d.require_tls = route.require_tls;
  if (route.mx) {  // "" (no domain, or one IDNA refuses): destination_client bounces it
    d.mx = true;
    d.domain = domain;
    d.key = "mx:" + domain;
    d.label = domain.empty() ? "(no domain)" : domain;
    d.connections = std::max<std::size_t>(1, delivery.connections_per_destination);
    return d;
  }
  const policy::smarthost_settings* named =
      route.smarthost.empty() ? nullptr : delivery.find_smarthost(route.smarthost);
  d.smarthost = named ? *named : delivery.default_smarthost();
  d.label = d.smarthost.name.empty() ? d.smarthost.address.str() : d.smarthost.name;
  d.key = "smarthost:" + d.label + (d.require_tls ? "+tls" : "");
  d.connections = std::max<std::size_t>(1, delivery.connections);
  return d;
}

std::vector<destination_group> group_by_destination(const std::vector<std::string>& recipients,
                                                    const policy::delivery_settings& delivery) {
  std::vector<destination_group> groups;
  for (const auto& r : recipients) {
    delivery_destination d = destination_for(recipient_domain(r), delivery);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const destination_group& g) { return g.destination.key == d.key; });
    if (it == groups.end()) {
      groups.push_back({std::move(d), {}});
      it = groups.end() - 1;
    }
    it->recipients.push_back(r);
  }
  return groups;
}

}  // namespace mfrelay::relay
