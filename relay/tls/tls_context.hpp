// The server TLS context for STARTTLS and implicit-TLS listeners: TLS 1.2 or
// newer, the configured certificate and key (a self-signed pair is made on
// first start when both files are missing). Built once at start-up on the main
// thread; afterwards shared read-only by every session.
#pragma once
#include <boost/asio/ssl/context.hpp>

#include "policy/config.hpp"

namespace mfrelay::relay {

// Throws std::runtime_error naming the file when a certificate or key cannot be used.
boost::asio::ssl::context make_server_tls_context(const policy::config& cfg);

// The certificate and key paths in force: [tls] or <state_dir>/tls/{cert,key}.pem.
std::pair<std::string, std::string> tls_paths(const policy::config& cfg);

}  // namespace mfrelay::relay
