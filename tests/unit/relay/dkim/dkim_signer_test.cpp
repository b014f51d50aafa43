// The DKIM-Signature field: which headers it covers (only those present, From
// oversigned, an earlier signature left alone) and that the signature checks
// out against the public key. python3-dkim checks it independently
// (verify_with_python.py, test unit_relay_dkim_python).
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

#include "relay/auth/base64.hpp"
#include "relay/dkim/dkim_canonical.hpp"
#include "relay/dkim/dkim_signer.hpp"

namespace mfrelay::relay::dkim {
namespace {

std::string tag(std::string_view field, std::string_view name) {
  std::string unfolded;
  for (char c : field)
    if (c != '\r' && c != '\n' && c != '\t' && c != ' ') unfolded += c;
  std::string key = ";" + std::string(name) + "=";
  std::size_t at = unfolded.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return unfolded.substr(at, unfolded.find(';', at) - at);
}

const std::string message =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.net\r\n"
    "Subject: Hello\r\n"
    "X-Mailer: not signed\r\n"
    "Received: by somewhere\r\n"
    "Date: Sat, 5 Dec 2026 01:00:00 +0000\r\n"
    "\r\n"
    "Hi Bob.\r\n";

TEST_CASE("h= lists the headers present, From once more, and nothing else") {
  auto key = dkim_key::generate(key_type::rsa);
  std::string field = sign_message(message, {"example.com", "tok1", 1700000000, &key});
  CHECK(field.starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=tok1;"));
  CHECK(field.ends_with("\r\n"));
  CHECK(tag(field, "h") == "from:to:subject:date:from");
  CHECK(tag(field, "t") == "1700000000");
}

TEST_CASE("a message already signed gets a second signature that does not cover the first") {
  auto key = dkim_key::generate(key_type::rsa);
  std::string signed_once = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=old; b=AAAA\r\n" + message;
  std::string field = sign_message(signed_once, {"example.com", "tok1", 1, &key});
  CHECK(tag(field, "h") == "from:to:subject:date:from");
  CHECK(tag(field, "bh") == tag(sign_message(message, {"example.com", "tok1", 1, &key}), "bh"));
}

TEST_CASE("several instances of a header are all signed") {
  auto key = dkim_key::generate(key_type::rsa);
  std::string field = sign_message("From: a@example.com\r\nTo: x@a.test\r\nTo: y@b.test\r\n\r\nbody\r\n",
                                   {"example.com", "s", 1, &key});
  CHECK(tag(field, "h") == "from:to:to:from");
}

TEST_CASE("the RSA signature verifies with the public key over the relaxed headers") {
  auto key = dkim_key::generate(key_type::rsa);
  std::string field = sign_message(message, {"example.com", "tok1", 42, &key});
  std::string b = tag(field, "b");
  std::string without_b = field.substr(0, field.rfind("b=") + 2);
  std::string data = relaxed_header("From: Alice <alice@example.com>\r\n") + relaxed_header("To: bob@example.net\r\n") +
                     relaxed_header("Subject: Hello\r\n") +
                     relaxed_header("Date: Sat, 5 Dec 2026 01:00:00 +0000\r\n") + relaxed_header(without_b);
  data.resize(data.size() - 2);

  std::string der = *base64_decode(key.public_key_base64());
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(pub);
  std::string sig = *base64_decode(b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pub) == 1);
  auto verify = [&](const std::string& d) {
    return EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(d.data()), d.size());
  };
  CHECK(verify(data) == 1);
  EVP_MD_CTX_free(ctx);
  ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pub) == 1);
  data[5] = 'X';  // an altered From
  CHECK(verify(data) != 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pub);
}

TEST_CASE("keys round-trip through PEM, and Ed25519 publishes its raw 32-byte key") {
  for (key_type type : {key_type::rsa, key_type::ed25519}) {
    auto key = dkim_key::generate(type);
    auto back = dkim_key::from_pem(key.private_pem());
    REQUIRE(back);
    CHECK(back->type() == type);
    CHECK(back->public_key_base64() == key.public_key_base64());
  }
  CHECK(base64_decode(dkim_key::generate(key_type::ed25519).public_key_base64())->size() == 32);
  CHECK(dkim_key::generate(key_type::ed25519).algorithm() == "ed25519-sha256");
  CHECK_FALSE(dkim_key::from_pem("not a key"));
}

}  // namespace
}  // namespace mfrelay::relay::dkim
