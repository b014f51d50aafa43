#include "relay/admin/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "relay/admin/aws_error_response.hpp"
#include "relay/common/http_message.hpp"
#include "relay/admin/request_id.hpp"
#include "relay/admin/uri_encoding.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

tcp::endpoint resolve_endpoint(const policy::host_port& address) {
  error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) return {ip, address.port};
  if (address.host == "localhost") return {asio::ip::address_v4::loopback(), address.port};
  throw std::runtime_error("[admin] address " + address.str() + ": the host must be an IP address or localhost");
}

// RFC 9110 IMF-fixdate: "Thu, 26 Nov 2026 07:38:29 GMT". SDKs that correct clock
// skew read it from error responses.
std::string http_date(policy::timestamp t) {
  std::time_t seconds = static_cast<std::time_t>(t.time_since_epoch().count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buffer;
}

// Lower-case names; a repeated header becomes one value joined with ',' (what
// SigV4 signs for it; Beast already trimmed each value).
http_request to_http_request(http::request<http::string_body>&& req) {
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  std::size_t q = r.target.find('?');
  r.path = percent_decode(std::string_view(r.target).substr(0, q));
  if (q != std::string::npos) r.query = parse_query(std::string_view(r.target).substr(q + 1), false);
  for (const auto& field : req) {
    std::string name = lower(field.name_string());
    auto [it, inserted] = r.headers.try_emplace(std::move(name), field.value());
    if (!inserted) it->second.append(",").append(field.value());
  }
  r.body = std::move(req.body());
  return r;
}

// A request Beast could not parse (rather than a connection that ended): it gets a 400.
bool malformed_http(const error_code& ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return false;
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

aws_error_shape shape_of(std::string_view target) {
  return error_shape_for(percent_decode(target.substr(0, target.find('?'))));
}

http_response too_large(aws_error_shape shape, std::uint64_t limit, const std::string& request_id) {
  return aws_error_response(shape, 413, "RequestEntityTooLarge",
                            "The request body is larger than " + std::to_string(limit) +
                                " bytes ([admin] max_body_bytes).",
                            request_id);
}

}  // namespace

namespace detail {

enum connection_state : int { busy = 0, idle = 1, evicted = 2 };

struct http_connection {
  http_connection(tcp::socket socket, std::string from) : stream(std::move(socket)), client(std::move(from)) {}
  beast::tcp_stream stream;
  const std::string client;  // the remote address, for the per-client limit
  // idle: between requests, nothing of the next one read (closing it loses
  // nothing); evicted: closed to make room. Read by the acceptor, hence atomic.
  std::atomic<int> state{busy};
  std::atomic<std::chrono::steady_clock::rep> idle_since{0};
};

// The live connections, so stop() and the acceptor can reach them. Shared with
// the session coroutines, whose frames may be destroyed after the server.
struct http_registry {
  std::mutex mutex;
  std::list<std::weak_ptr<http_connection>> live;
  std::map<std::string, std::size_t> per_client;  // counted connections by address
  std::atomic<bool> stopping{false};
  std::atomic<bool> accepting{false};
  std::atomic<std::size_t> count{0};  // counted: live, less those evicted
  std::chrono::steady_clock::time_point last_refusal_log{};
  std::size_t refused_since_log = 0;

  void uncount(const std::string& client) {  // with `mutex` held
    count.fetch_sub(1);
    if (auto it = per_client.find(client); it != per_client.end() && --it->second == 0) per_client.erase(it);
  }
};

// Holds a connection's place in the registry for as long as its session runs.
// Made by the acceptor (so limits count it at once), ended with the session.
class registration {
 public:
  registration(std::shared_ptr<http_registry> reg, const std::shared_ptr<http_connection>& conn)
      : registry_(std::move(reg)), conn_(conn) {
    std::lock_guard lock(registry_->mutex);
    registry_->count.fetch_add(1);
    ++registry_->per_client[conn->client];
    it_ = registry_->live.insert(registry_->live.end(), conn);
  }
  ~registration() {
    std::lock_guard lock(registry_->mutex);
    registry_->live.erase(it_);
    if (conn_->state.load() != evicted) registry_->uncount(conn_->client);  // an eviction uncounted it
  }
  registration(const registration&) = delete;
  registration& operator=(const registration&) = delete;

 private:
  std::shared_ptr<http_registry> registry_;
  std::shared_ptr<http_connection> conn_;
  std::list<std::weak_ptr<http_connection>>::iterator it_;
};

}  // namespace detail

namespace {

using detail::http_connection;
using detail::http_registry;
using detail::registration;

// Closes the connection of `client` (any when empty) that has waited longest
// for its next request; false when none waits. With the registry's mutex held.
bool evict_idlest(http_registry& reg, const std::string& client) {
  std::shared_ptr<http_connection> victim;
  for (const auto& weak : reg.live) {
    std::shared_ptr<http_connection> conn = weak.lock();
    if (!conn || conn->state.load() != detail::idle || (!client.empty() && conn->client != client)) continue;
    if (!victim || conn->idle_since.load() < victim->idle_since.load()) victim = std::move(conn);
  }
  if (!victim) return false;
  int expected = detail::idle;
  // The session may have just read the first bytes of a request: then it is busy, and stays.
  if (!victim->state.compare_exchange_strong(expected, detail::evicted)) return false;
  reg.uncount(victim->client);
  asio::post(victim->stream.get_executor(), [victim] {
    error_code ignored;
    victim->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    victim->stream.close();
  });
  return true;
}

void log_session_error(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("admin API: connection ended by an error: {}", ex.what());
  }
}

}  // namespace

http_server::http_server(asio::io_context& io, admin_backend& backend, http_handler handler,
                         http_server_options options)
    : io_(io),
      options_(std::move(options)),
      gate_(backend, std::move(handler), options_.clock, {}, options_.console),
      max_body_bytes_(backend.config()->admin.max_body_bytes),
      limits_(backend.config()->admin),
      acceptor_strand_(asio::make_strand(io)),
      acceptor_(acceptor_strand_),
      registry_(std::make_shared<http_registry>()) {
  if (!options_.clock) options_.clock = [] { return now(); };
  std::shared_ptr<const policy::config> cfg = backend.config();
  const policy::host_port& address = cfg->admin.address;
  tcp::endpoint endpoint = resolve_endpoint(address);
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("admin API cannot listen on " + address.str() + ": " + ec.message());
  endpoint_ = acceptor_.local_endpoint();

  if (!cfg->admin.allowed_hosts.empty()) {
    for (const auto& h : cfg->admin.allowed_hosts) allowed_hosts_.push_back(lower(h));
  } else {
    // The names a local client reaches this port by. A wildcard address needs
    // allowed_hosts: Host headers naming anything else are refused (DNS rebinding).
    std::string port = std::to_string(endpoint_.port());
    policy::host_port bound{address.host, endpoint_.port()};
    for (std::string h : {bound.str(), "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}) {
      h = lower(h);
      if (std::find(allowed_hosts_.begin(), allowed_hosts_.end(), h) == allowed_hosts_.end())
        allowed_hosts_.push_back(h);
    }
    if (endpoint_.port() == 80) {
      for (const char* h : {"localhost", "127.0.0.1", "[::1]"}) allowed_hosts_.emplace_back(h);
    }
  }
}

http_server::~http_server() = default;

std::size_t http_server::connections() const {
  std::lock_guard lock(registry_->mutex);
  return registry_->live.size();
}

bool http_server::host_allowed(std::string_view host) const {
  std::string h = lower(host);
  return std::find(allowed_hosts_.begin(), allowed_hosts_.end(), h) != allowed_hosts_.end();
}

void http_server::start() {
  registry_->accepting = true;
  std::shared_ptr<http_registry> reg = registry_;
  asio::co_spawn(acceptor_strand_, accept_loop(), [reg](std::exception_ptr e) {
    reg->accepting = false;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("admin API: accepting stopped: {}", ex.what());
    }
  });
}

void http_server::stop() {
  registry_->stopping = true;
  asio::post(acceptor_strand_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
  close_connections(true);
}

void http_server::close_connections(bool idle_only) {
  std::lock_guard lock(registry_->mutex);
  for (const auto& weak : registry_->live) {
    std::shared_ptr<http_connection> conn = weak.lock();
    if (!conn) continue;
    // On the connection's own strand, where its session is suspended in a read or
    // a write; `idle` says whether that read waits for a new request.
    asio::post(conn->stream.get_executor(), [conn, idle_only] {
      if (idle_only && conn->state.load() != detail::idle) return;
      error_code ignored;
      conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      conn->stream.close();
    });
  }
}

asio::awaitable<void> http_server::wait_for_connections(std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while ((connections() > 0 || registry_->accepting) && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(use_tuple);
  }
}

asio::awaitable<void> http_server::shutdown(policy::duration grace) {
  stop();
  co_await wait_for_connections(std::chrono::steady_clock::now() + grace);
  if (connections() > 0) {
    spdlog::warn("admin API: closing {} connections that did not finish in time", connections());
    close_connections(false);
    co_await wait_for_connections(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
}

asio::awaitable<void> http_server::accept_loop() {
  spdlog::info("admin API on {}", policy::host_port{endpoint_.address().to_string(), endpoint_.port()}.str());
  asio::steady_timer backoff(acceptor_strand_);
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open() || registry_->stopping) co_return;
    if (ec) {
      // Out of descriptors or memory: keep listening, try again shortly.
      spdlog::warn("admin API: accept: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    error_code peer_ec;
    tcp::endpoint remote = socket.remote_endpoint(peer_ec);
    std::string client = peer_ec ? std::string() : remote.address().to_string();
    if (peer_ec || !admit(client)) {
      socket.close(ec);
      continue;
    }
    auto conn = std::make_shared<http_connection>(std::move(socket), client);
    auto registered = std::make_unique<registration>(registry_, conn);  // counted from now on
    auto executor = conn->stream.get_executor();
    asio::co_spawn(executor, run_session(std::move(conn), std::move(registered)), log_session_error);
  }
}

bool http_server::admit(const std::string& client) {
  std::lock_guard lock(registry_->mutex);
  http_registry& reg = *registry_;
  auto mine = reg.per_client.find(client);
  bool room = true;
  const char* limit = "";
  if (mine != reg.per_client.end() && mine->second >= limits_.max_connections_per_client) {
    // This client's own idlest connection makes room; never another client's.
    room = evict_idlest(reg, client);
    limit = "max_connections_per_client";
  } else if (reg.count.load() >= limits_.max_connections) {
    room = evict_idlest(reg, {});
    limit = "max_connections";
  }
  if (room) return true;
  // Refused: at most one warning every 10 s, with the count (a client that
  // reconnects in a loop would flood the log otherwise).
  ++reg.refused_since_log;
  auto t = std::chrono::steady_clock::now();
  if (t - reg.last_refusal_log >= std::chrono::seconds(10)) {
    spdlog::warn("admin API: refused {} connection(s) at [admin] {} (the latest from {}; {} open)",
                 reg.refused_since_log, limit, client, reg.count.load());
    reg.refused_since_log = 0;
    reg.last_refusal_log = t;
  }
  return false;
}

namespace {

// One response on the wire. Every response names its request id and the time.
asio::awaitable<error_code> write_response(beast::tcp_stream& stream, const http_response& res, unsigned version,
                                           bool keep_alive, std::string request_id, policy::timestamp now,
                                           policy::duration timeout) {
  http::response<http::string_body> out;
  out.version(version);
  out.result(static_cast<unsigned>(res.status));
  out.set(http::field::server, "mfrelay");
  out.set(http::field::date, http_date(now));
  out.set(http::field::content_type, res.content_type);
  bool has_id = false;
  for (const auto& [name, value] : res.headers) {
    if (beast::iequals(name, "x-amzn-RequestId")) has_id = true;
    if (beast::iequals(name, "Set-Cookie")) out.insert(name, value);  // one per cookie (the console sets two)
    else out.set(name, value);
  }
  if (!has_id) out.set("x-amzn-RequestId", request_id);
  out.body() = res.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  stream.expires_after(timeout);
  auto [ec, n] = co_await http::async_write(stream, out, use_tuple);
  co_return ec;
}

}  // namespace

asio::awaitable<void> http_server::run_session(std::shared_ptr<http_connection> conn,
                                               [[maybe_unused]] std::unique_ptr<registration> registered) {
  error_code ec;
  conn->stream.socket().set_option(tcp::no_delay(true), ec);
  std::string peer;
  if (auto remote = conn->stream.socket().remote_endpoint(ec); !ec)
    peer = policy::host_port{remote.address().to_string(), remote.port()}.str();
  beast::flat_buffer buffer;
  // The first request's header must arrive whole within header_timeout of the
  // connection; later ones, within header_timeout of their first byte.
  conn->stream.expires_after(limits_.header_timeout);
  bool first = true;

  for (;;) {
    // Checked after registering: a stop() that ran before saw no connection to close.
    if (registry_->stopping) break;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
    parser.body_limit(max_body_bytes_);

    if (buffer.size() == 0) {
      // Between requests: the only state in which closing the connection loses
      // nothing, so the one in which the acceptor may close it to make room.
      conn->idle_since = std::chrono::steady_clock::now().time_since_epoch().count();
      conn->state = detail::idle;
      if (!first) conn->stream.expires_after(limits_.idle_timeout);
      auto [idle_ec, n] = co_await conn->stream.async_read_some(buffer.prepare(4096), use_tuple);
      buffer.commit(n);
      int expected = detail::idle;
      if (!conn->state.compare_exchange_strong(expected, detail::busy)) break;  // evicted
      if (idle_ec) break;  // closed, reset, or idle too long: nothing to answer
    }
    if (!first) conn->stream.expires_after(limits_.header_timeout);
    first = false;
    // One deadline for the whole request line and headers, not per read: a
    // client trickling a byte at a time cannot hold the connection longer.
    auto [header_ec, header_bytes] = co_await http::async_read_header(conn->stream, buffer, parser, use_tuple);
    std::string request_id = new_request_id();
    if (header_ec) {
      if (header_ec == http::error::body_limit) {
        // Beast refuses a Content-Length over the limit while parsing the headers.
        http_response res = too_large(shape_of(parser.get().target()), max_body_bytes_, request_id);
        co_await write_response(conn->stream, res, 11, false, request_id, options_.clock(), options_.request_timeout);
      } else if (header_ec == http::error::header_limit) {
        http_response res = aws_error_response(
            aws_error_shape::plain_json, 431, "RequestHeaderFieldsTooLarge",
            "The request line and headers are larger than " + std::to_string(options_.header_limit) + " bytes.",
            request_id);
        co_await write_response(conn->stream, res, 11, false, request_id, options_.clock(), options_.request_timeout);
      } else if (malformed_http(header_ec)) {
        http_response res = aws_error_response(aws_error_shape::plain_json, 400, "BadRequest",
                                               "The request is not valid HTTP/1.1.", request_id);
        co_await write_response(conn->stream, res, 11, false, request_id, options_.clock(), options_.request_timeout);
      }
      break;
    }

    // Checks that need no body (a Content-Length over the limit already failed the
    // header read): refuse before reading it, then close; the rest is not read.
    auto& head = parser.get();
    unsigned version = head.version();
    std::string target(head.target());
    aws_error_shape shape = shape_of(target);
    std::string_view host = head[http::field::host];
    std::optional<http_response> refusal;
    if (host.empty()) {
      refusal = aws_error_response(shape, 400, "MissingHost", "The request has no Host header.", request_id);
    } else if (!host_allowed(host)) {
      refusal = aws_error_response(shape, 421, "MisdirectedRequest",
                                   "The Host header '" + std::string(host.substr(0, 100)) +
                                       "' is not one this admin API answers to (see [admin] allowed_hosts).",
                                   request_id);
    }
    if (refusal) {
      spdlog::info("admin {}: {} {} -> {}", peer, std::string(head.method_string()), target.substr(0, target.find('?')),
                   refusal->status);
      co_await write_response(conn->stream, *refusal, version, false, request_id, options_.clock(),
                              options_.request_timeout);
      break;
    }
    if (beast::iequals(head[http::field::expect], "100-continue") && version >= 11) {
      http::response<http::empty_body> go_on;
      go_on.version(11);
      go_on.result(http::status::continue_);
      conn->stream.expires_after(options_.request_timeout);
      auto [continue_ec, continue_bytes] = co_await http::async_write(conn->stream, go_on, use_tuple);
      if (continue_ec) break;
    }

    conn->stream.expires_after(options_.request_timeout);
    auto [body_ec, body_bytes] = co_await http::async_read(conn->stream, buffer, parser, use_tuple);
    if (body_ec == http::error::body_limit) {  // chunked, past the limit
      http_response res = too_large(shape, max_body_bytes_, request_id);
      co_await write_response(conn->stream, res, version, false, request_id, options_.clock(),
                              options_.request_timeout);
      break;
    }
    if (body_ec) break;

    bool keep_alive = parser.get().keep_alive();
    http_request request = to_http_request(parser.release());
    std::string method = request.method;
    std::string path = request.target.substr(0, request.target.find('?'));
    conn->stream.expires_never();  // the handler may take its time (a policy write, a DNS check)
    http_response res = co_await gate_.serve(std::move(request), request_id, peer);
    keep_alive = keep_alive && !registry_->stopping;
    // Probes and scrapes every few seconds would drown the rest: they log at debug.
    bool probe = method == "GET" && (path == "/healthz" || path == "/readyz" || path == "/metrics");
    spdlog::log(probe ? spdlog::level::debug : spdlog::level::info, "admin {}: {} {} -> {} ({})", peer, method, path,
                res.status, request_id);
    error_code write_ec = co_await write_response(conn->stream, res, version, keep_alive, request_id,
                                                  options_.clock(), options_.request_timeout);
    if (write_ec || !keep_alive) break;
  }

  error_code ignored;
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  conn->stream.close();
}

}  // namespace mfrelay::relay
