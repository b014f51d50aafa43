#include "relay/dkim/dkim_key.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "relay/auth/base64.hpp"
#include "relay/common/sha256.hpp"

namespace mfrelay::relay::dkim {
namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Base64 as SES's model has it (the alphabet, up to two '='), line breaks and
// spaces allowed between groups (a PEM body pasted without its armour).
std::optional<std::string> decode_key_base64(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    compact += c;
  }
  if (compact.empty()) return std::nullopt;
  return base64_decode(compact);
}

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("dkim key: ") + what); }

}  // namespace

std::string_view to_string(key_type type) { return type == key_type::rsa ? "rsa" : "ed25519"; }

std::optional<key_type> parse_key_type(std::string_view text) {
  if (text == "rsa") return key_type::rsa;
  if (text == "ed25519") return key_type::ed25519;
  return std::nullopt;
}

void dkim_key::pkey_free::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

dkim_key dkim_key::generate(key_type type) {
  EVP_PKEY* key = type == key_type::rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) fail("key generation failed");
  return dkim_key(std::shared_ptr<evp_pkey_st>(key, pkey_free{}), type);
}

std::optional<dkim_key> dkim_key::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) return std::nullopt;
  std::shared_ptr<evp_pkey_st> owned(key, pkey_free{});
  if (EVP_PKEY_is_a(key, "RSA")) return dkim_key(std::move(owned), key_type::rsa);
  if (EVP_PKEY_is_a(key, "ED25519")) return dkim_key(std::move(owned), key_type::ed25519);
  return std::nullopt;
}

std::optional<dkim_key> dkim_key::from_operator(std::string_view text, std::string& error) {
  std::optional<dkim_key> key;
  if (text.find("-----BEGIN") != std::string_view::npos) {
    key = from_pem(text);
  } else if (auto der = decode_key_base64(text)) {
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    if (EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size()))) {
      std::shared_ptr<evp_pkey_st> owned(k, pkey_free{});
      if (EVP_PKEY_is_a(k, "RSA")) key = dkim_key(std::move(owned), key_type::rsa);
      else if (EVP_PKEY_is_a(k, "ED25519")) key = dkim_key(std::move(owned), key_type::ed25519);
    }
  }
  if (!key) {
    error = "The private key is not an RSA or Ed25519 private key in PEM or base64-encoded DER (PKCS#1 or PKCS#8).";
    return std::nullopt;
  }
  if (key->type() == key_type::rsa && (key->bits() < 1024 || key->bits() > 4096)) {
    error = "The RSA private key has " + std::to_string(key->bits()) + " bits; DKIM keys must have 1024 to 4096.";
    return std::nullopt;
  }
  return key;
}

int dkim_key::bits() const { return EVP_PKEY_get_bits(key_.get()); }

std::string_view dkim_key::algorithm() const { return type_ == key_type::rsa ? "rsa-sha256" : "ed25519-sha256"; }

std::string dkim_key::private_pem() const {
  std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("cannot write the private key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string dkim_key::public_key_base64() const {
  if (type_ == key_type::ed25519) {
    unsigned char raw[64];
    size_t size = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key_.get(), raw, &size) != 1) fail("cannot read the Ed25519 public key");
    return base64_encode(std::string_view(reinterpret_cast<const char*>(raw), size));
  }
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(key_.get(), &der);
  if (size <= 0) fail("cannot encode the RSA public key");
  std::string out = base64_encode(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  return out;
}

std::string dkim_key::sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  if (!ctx) fail("out of memory");
  std::string input;
  const EVP_MD* md = EVP_sha256();
  if (type_ == key_type::ed25519) {
    // RFC 8463 3: PureEdDSA over the SHA-256 hash of the data, not over the data.
    sha256 h;
    h.update(data);
    auto digest = h.finish();
    input.assign(reinterpret_cast<const char*>(digest.data()), digest.size());
    md = nullptr;
  } else {
    input.assign(data);
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) fail("cannot start signing");
  size_t size = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &size, in, input.size()) != 1) fail("cannot size the signature");
  std::string sig(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size, in, input.size()) != 1)
    fail("signing failed");
  sig.resize(size);
  return sig;
}

}  // namespace mfrelay::relay::dkim
