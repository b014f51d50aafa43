// The TLS client context for deliveries: TLS 1.2 or newer. It verifies nothing
// by itself (opportunistic TLS, RFC 7435, as Postfix's smtp_tls_security_level =
// may); a connection that must verify turns it on for itself (upstream_connection::
// start_tls), against the trust store loaded here: `ca_file` (PEM) when given,
// else the system's. Build once (throws std::runtime_error for an unreadable
// ca_file); then it may be shared by connections on any thread. No untrusted input.
#pragma once
#include <boost/asio/ssl/context.hpp>
#include <string>

namespace mfrelay::relay {

boost::asio::ssl::context make_client_tls_context(const std::string& ca_file = {});

}  // namespace mfrelay::relay
