#include "dns/mail_from_checker.hpp"

#include "dns/resolver.hpp"

namespace mfrelay::dns {

boost::asio::awaitable<dns_check> resolver_mail_from_checker::check(std::string domain) {
  // Both lookups at once: a check costs one round trip, not two.
  auto [mx, txt] = co_await resolver_.mx_and_txt(std::move(domain));
  dns_check out;
  out.mx = std::move(mx);
  out.txt = std::move(txt);
  co_return out;
}

}  // namespace mfrelay::dns
