// A tiny scripted DNS server for the resolver tests: UDP on a loopback address with an
// ephemeral port (and TCP on the same port when it is free, for truncated answers), run
// by the test's io_context. Test code only. Destroy it after the resolver, before the
// io_context, and do not run the io_context in between.
#pragma once
#include <array>
#include <map>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "dns_wire.hpp"

namespace mfrelay::dns::test {

struct scripted_answer {
  std::uint8_t rcode = rcode_noerror;
  std::vector<resource_record> answers{};
  bool silent = false;        // never reply: the resolver times out
  bool truncate_udp = false;  // over UDP: TC set and no answers; the full answer over TCP
};

class test_dns_server {
 public:
  explicit test_dns_server(boost::asio::io_context& io, const char* address = "127.0.0.1")
      : udp_(io, {boost::asio::ip::make_address(address), 0}), tcp_(io) {
    namespace asio = boost::asio;
    boost::system::error_code ec;
    asio::ip::tcp::endpoint at(udp_.local_endpoint().address(), udp_.local_endpoint().port());
    tcp_.open(at.protocol(), ec);
    if (!ec) tcp_.bind(at, ec);
    if (!ec) tcp_.listen(asio::socket_base::max_listen_connections, ec);
    has_tcp_ = !ec;
    asio::co_spawn(io, serve_udp(), asio::detached);
    if (has_tcp_) asio::co_spawn(io, serve_tcp(), asio::detached);
  }

  // `type` 0 answers every type for the name. Names are lower case, no trailing dot.
  void script(std::string name, std::uint16_t type, scripted_answer answer) {
    script_[{std::move(name), type}] = std::move(answer);
  }

  std::uint16_t port() const { return udp_.local_endpoint().port(); }
  bool has_tcp() const { return has_tcp_; }
  int queries(const std::string& name) const {
    auto it = seen_.find(name);
    return it == seen_.end() ? 0 : it->second;
  }
  int tcp_queries() const { return tcp_seen_; }

 private:
  bytes reply_to(const query& q, bool over_udp) {
    ++seen_[q.name];
    auto it = script_.find({q.name, q.type});
    if (it == script_.end()) it = script_.find({q.name, 0});
    if (it == script_.end()) return response(q.name, q.type, {}, {.id = q.id, .rcode = rcode_refused});
    const auto& a = it->second;
    if (a.silent) return {};
    if (over_udp && a.truncate_udp) return response(q.name, q.type, {}, {.id = q.id, .truncated = true});
    return response(q.name, q.type, a.answers, {.id = q.id, .rcode = a.rcode});
  }

  boost::asio::awaitable<void> serve_udp() {
    namespace asio = boost::asio;
    std::array<unsigned char, 4096> buf{};
    asio::ip::udp::endpoint from;
    for (;;) {
      auto [ec, n] = co_await udp_.async_receive_from(asio::buffer(buf), from, asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !udp_.is_open()) co_return;
      if (ec) continue;
      auto q = parse_query({buf.data(), n});
      if (!q) continue;
      bytes reply = reply_to(*q, true);
      if (!reply.empty()) co_await udp_.async_send_to(asio::buffer(reply), from, asio::as_tuple(asio::use_awaitable));
    }
  }

  boost::asio::awaitable<void> serve_tcp() {
    namespace asio = boost::asio;
    for (;;) {
      auto [ec, socket] = co_await tcp_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(tcp_.get_executor(), serve_tcp_connection(std::move(socket)), asio::detached);
    }
  }

  // DNS over TCP: each message has a two-byte length prefix.
  boost::asio::awaitable<void> serve_tcp_connection(boost::asio::ip::tcp::socket socket) {
    namespace asio = boost::asio;
    for (;;) {
      std::array<unsigned char, 2> prefix{};
      auto [ec, n] = co_await asio::async_read(socket, asio::buffer(prefix), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      bytes msg(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
      std::tie(ec, n) = co_await asio::async_read(socket, asio::buffer(msg), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      auto q = parse_query(msg);
      if (!q) co_return;
      ++tcp_seen_;
      bytes reply = reply_to(*q, false);
      if (reply.empty()) continue;
      bytes framed;
      put16(framed, static_cast<std::uint16_t>(reply.size()));
      framed.insert(framed.end(), reply.begin(), reply.end());
      std::tie(ec, n) = co_await asio::async_write(socket, asio::buffer(framed), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
  }

  boost::asio::ip::udp::socket udp_;
  boost::asio::ip::tcp::acceptor tcp_;
  bool has_tcp_ = false;
  std::map<std::pair<std::string, std::uint16_t>, scripted_answer> script_;
  std::map<std::string, int> seen_;
  int tcp_seen_ = 0;
};

}  // namespace mfrelay::dns::test
