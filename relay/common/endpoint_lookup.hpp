// Where to connect for "host:port" when mfrelay is the client (smarthost,
// admin API calls, webhooks): an IP literal as it is, a name through Asio's
// resolver (getaddrinfo on its own thread), bounded by a deadline.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mfrelay::relay {

// Fills `endpoints`; returns the lookup's error, or beast::error::timeout when
// the deadline passed first. While a lookup runs, `*in_flight` (when given)
// holds its resolver, so another coroutine can cancel() it.
boost::asio::awaitable<boost::system::error_code> lookup_endpoints(
    boost::asio::any_io_executor ex, const std::string& host, std::uint16_t port,
    std::chrono::steady_clock::time_point deadline, std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
    std::shared_ptr<boost::asio::ip::tcp::resolver>* in_flight = nullptr);

}  // namespace mfrelay::relay
