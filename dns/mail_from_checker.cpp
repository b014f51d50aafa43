#include "dns/mail_from_checker.hpp"

#include <tuple>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "dns/resolver.hpp"

namespace mfrelay::dns {

boost::asio::awaitable<dns_check> resolver_mail_from_checker::check(std::string domain) {
  using namespace boost::asio::experimental::awaitable_operators;
  // Both lookups at once: a check costs one round trip, not two. Neither throws, so
  // `&&` never cancels one because of the other.
  auto [mx, txt] = co_await (resolver_.mx(domain) && resolver_.txt(domain));
  dns_check out;
  out.mx = std::move(mx);
  out.txt = std::move(txt);
  co_return out;
}

}  // namespace mfrelay::dns
