// A throwaway self-signed EC certificate for the test servers' STARTTLS, made in
// memory with OpenSSL. Test code only; any thread.
#pragma once
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

namespace mfrelay::relay::test {

inline boost::asio::ssl::context make_server_tls_context() {
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_server);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  if (!key || !cert) throw std::runtime_error("test certificate: out of memory");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  const unsigned char cn[] = "smarthost.test";
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  bool ok =
      SSL_CTX_use_certificate(ctx.native_handle(), cert) == 1 && SSL_CTX_use_PrivateKey(ctx.native_handle(), key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) throw std::runtime_error("test certificate: cannot load");
  return ctx;
}

}  // namespace mfrelay::relay::test
