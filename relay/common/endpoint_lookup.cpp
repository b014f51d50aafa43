#include "relay/common/endpoint_lookup.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace mfrelay::relay {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Cancels a name lookup when its deadline passes. Holds the resolver weakly: the
// timer's handler may run after the lookup completed and the resolver is gone.
struct cancel_lookup {
  std::weak_ptr<tcp::resolver> resolver;
  void operator()(error_code ec) const {
    if (ec) return;
    if (auto r = resolver.lock()) r->cancel();
  }
};

}  // namespace

asio::awaitable<error_code> lookup_endpoints(asio::any_io_executor ex, const std::string& host, std::uint16_t port,
                                             std::chrono::steady_clock::time_point deadline,
                                             std::vector<tcp::endpoint>& endpoints,
                                             std::shared_ptr<tcp::resolver>* in_flight) {
  error_code ec;
  asio::ip::address literal = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoints.emplace_back(literal, port);
    co_return error_code{};
  }
  auto resolver = std::make_shared<tcp::resolver>(ex);
  if (in_flight) *in_flight = resolver;
  asio::steady_timer timer(ex);
  timer.expires_at(deadline);
  cancel_lookup on_expiry;
  on_expiry.resolver = resolver;
  timer.async_wait(on_expiry);
  auto [resolve_ec, results] =
      co_await resolver->async_resolve(host, std::to_string(port), asio::as_tuple(asio::use_awaitable));
  timer.cancel();
  if (in_flight) in_flight->reset();
  if (resolve_ec == asio::error::operation_aborted && std::chrono::steady_clock::now() >= deadline)
    co_return error_code(boost::beast::error::timeout);
  if (resolve_ec) co_return resolve_ec;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  co_return error_code{};
}

}  // namespace mfrelay::relay
