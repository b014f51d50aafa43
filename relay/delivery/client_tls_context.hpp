// The TLS client context for deliveries: TLS 1.2 or newer, opportunistic (RFC 7435),
// so the smarthost's certificate is not verified. Build once; an ssl::context may be
// shared by connections on any thread once built. No untrusted input.
#pragma once
#include <boost/asio/ssl/context.hpp>

namespace mfrelay::relay {

boost::asio::ssl::context make_client_tls_context();

}  // namespace mfrelay::relay
