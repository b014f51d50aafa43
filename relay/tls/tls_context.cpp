#include "relay/tls/tls_context.hpp"

#include <filesystem>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "relay/tls/self_signed.hpp"

namespace mfrelay::relay {

std::pair<std::string, std::string> tls_paths(const policy::config& cfg) {
  namespace fs = std::filesystem;
  std::string cert = cfg.tls.certificate, key = cfg.tls.private_key;
  if (cert.empty()) cert = (fs::path(cfg.relay.state_dir) / "tls" / "cert.pem").string();
  if (key.empty()) key = (fs::path(cfg.relay.state_dir) / "tls" / "key.pem").string();
  return {cert, key};
}

boost::asio::ssl::context make_server_tls_context(const policy::config& cfg) {
  namespace ssl = boost::asio::ssl;
  auto [cert, key] = tls_paths(cfg);
  bool have_cert = std::filesystem::exists(cert), have_key = std::filesystem::exists(key);
  if (!have_cert && !have_key) {
    spdlog::warn("no TLS certificate at {}: generating a self-signed one for {}", cert, cfg.relay.hostname);
    write_self_signed(cfg.relay.hostname, cert, key);
  } else if (!have_cert || !have_key) {
    throw std::runtime_error("TLS: " + (have_cert ? key : cert) + " is missing (the other file of the pair exists)");
  }
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cert, ec);
  if (ec) throw std::runtime_error("TLS certificate " + cert + ": " + ec.message());
  ctx.use_private_key_file(key, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("TLS private key " + key + ": " + ec.message());
  return ctx;
}

}  // namespace mfrelay::relay
