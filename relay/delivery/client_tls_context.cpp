#include "relay/delivery/client_tls_context.hpp"

#include <openssl/ssl.h>

namespace mfrelay::relay {

boost::asio::ssl::context make_client_tls_context() {
  namespace ssl = boost::asio::ssl;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // Opportunistic: encryption against passive listening, no authentication (as
  // Postfix's smtp_tls_security_level = may / encrypt).
  ctx.set_verify_mode(ssl::verify_none);
  return ctx;
}

}  // namespace mfrelay::relay
