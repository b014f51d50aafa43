#include "relay/tls/self_signed.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay {
namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION, X509_EXTENSION_free>>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("self-signed certificate: " + what); }

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail("cannot add extension");
}

void write_pem(const std::string& path, mode_t mode, int (*write)(FILE*, void*), void* object) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  // Create with the final mode so the key is never readable by others, even briefly.
  mode_t old = umask(0);
  FILE* f = std::fopen(path.c_str(), "wx");
  umask(old);
  if (!f) fail("cannot create " + path);
  chmod(path.c_str(), mode);
  bool ok = write(f, object) == 1;
  ok = (std::fflush(f) == 0) && ok;
  ok = (fsync(fileno(f)) == 0) && ok;
  std::fclose(f);
  if (!ok) fail("cannot write " + path);
}

}  // namespace

void write_self_signed(const std::string& hostname, const std::string& certificate_path, const std::string& key_path) {
  key_ptr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an EC key");
  x509_ptr cert(X509_new());
  if (!cert) fail("out of memory");
  X509_set_version(cert.get(), 2);
  auto serial = random_bytes<16>();
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname;
  add_extension(cert.get(), NID_subject_alt_name, san.c_str());
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign");

  write_pem(key_path, 0600, [](FILE* f, void* k) {
    return PEM_write_PrivateKey(f, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
  }, key.get());
  write_pem(certificate_path, 0644, [](FILE* f, void* c) { return PEM_write_X509(f, static_cast<X509*>(c)); },
            cert.get());
}

}  // namespace mfrelay::relay
