// A DKIM signing key (OpenSSL 3 EVP): RSA (rsa-sha256) or Ed25519
// (ed25519-sha256, RFC 8463). Generated here or read from its PEM file by
// dkim_key_store; used by dkim_signer. Immutable once made: any thread.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace mfrelay::relay::dkim {

enum class key_type { rsa, ed25519 };

// "rsa" / "ed25519" (the policy key's values and DNS k= tags).
std::string_view to_string(key_type type);
std::optional<key_type> parse_key_type(std::string_view text);

class dkim_key {
 public:
  // RSA 2048 or Ed25519, from the system's random source. Throws std::runtime_error.
  static dkim_key generate(key_type type);
  // A PKCS#8 PEM private key of either type; nullopt if it is neither or does not parse.
  static std::optional<dkim_key> from_pem(std::string_view pem);
  // An operator's key (BYODKIM, untrusted text): PEM, or base64 of the DER
  // (PKCS#1 or PKCS#8) as SES's DomainSigningPrivateKey takes it; RSA of
  // 1024 to 4096 bits or Ed25519. Nullopt with `error` saying why otherwise.
  static std::optional<dkim_key> from_operator(std::string_view text, std::string& error);

  key_type type() const { return type_; }
  // The key's size in bits (RSA: the modulus; Ed25519: 256).
  int bits() const;
  // "rsa-sha256" / "ed25519-sha256", the a= tag.
  std::string_view algorithm() const;
  // PKCS#8 PEM of the private key: a secret, for the key file only.
  std::string private_pem() const;
  // The p= tag of the DNS record, base64: SubjectPublicKeyInfo for RSA
  // (RFC 6376 3.6.1), the raw 32-byte key for Ed25519 (RFC 8463 4.2).
  std::string public_key_base64() const;
  // The signature over `data` (the canonicalized headers): RSASSA-PKCS1-v1_5
  // with SHA-256, or Ed25519 over SHA-256(data) (RFC 8463 3). Raw bytes.
  std::string sign(std::string_view data) const;

 private:
  struct pkey_free {
    void operator()(evp_pkey_st* key) const;
  };
  dkim_key(std::shared_ptr<evp_pkey_st> key, key_type type) : key_(std::move(key)), type_(type) {}
  std::shared_ptr<evp_pkey_st> key_;
  key_type type_ = key_type::rsa;
};

}  // namespace mfrelay::relay::dkim
