#include "relay/delivery/client_tls_context.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace mfrelay::relay {

boost::asio::ssl::context make_client_tls_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(ssl::verify_none);
  boost::system::error_code ec;
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("ca_file " + ca_file + ": " + ec.message());
  } else {
    ctx.set_default_verify_paths(ec);  // no system store: verifying connections fail, opportunistic ones do not care
  }
  return ctx;
}

}  // namespace mfrelay::relay
