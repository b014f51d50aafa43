// One SMTP server session: a coroutine that owns its connection and drives the
// I/O-free smtp::session_machine (reads, writes, STARTTLS, AUTH off-thread,
// policy at MAIL and at the end of DATA, streaming DATA into the spool and
// answering 250 only once the message is durable). Runs on the connection's
// own strand. Everything the client sends is untrusted.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "policy/config.hpp"
#include "relay/server/session_services.hpp"

namespace mfrelay::relay {

boost::asio::awaitable<void> run_smtp_session(boost::asio::ip::tcp::socket socket, policy::listener_settings listener,
                                              session_services& services);

}  // namespace mfrelay::relay
