// Easy DKIM's key files: generated once, private key 0600 in a 0700 folder,
// the same tokens and key after a restart, and the TXT records to publish.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include "relay/dkim/dkim_key_store.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay::dkim {
namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("ensure generates a key and three tokens once; a restarted store finds the same") {
  test::temp_dir dir;
  dkim_key_store store(dir.path());
  CHECK_FALSE(store.load("example.com"));
  auto keys = store.ensure("example.com", key_type::rsa);
  REQUIRE(keys);
  CHECK(keys->tokens.size() == 3);
  CHECK(keys->tokens[0] != keys->tokens[1]);
  CHECK(keys->tokens[0].size() == 32);
  CHECK(keys->key.type() == key_type::rsa);
  auto folder = dir.path() / "dkim" / "example.com";
  CHECK(mode_of(folder / "private.pem") == 0600);
  CHECK(mode_of(folder) == 0700);
  CHECK(mode_of(dir.path() / "dkim") == 0700);
  CHECK(store.find("example.com") == keys);

  dkim_key_store restarted(dir.path());
  CHECK_FALSE(restarted.find("example.com"));
  auto again = restarted.ensure("example.com", key_type::ed25519);  // an existing key is kept, whatever is asked
  CHECK(again->tokens == keys->tokens);
  CHECK(again->key.public_key_base64() == keys->key.public_key_base64());
}

TEST_CASE("an Ed25519 identity publishes k=ed25519 in one string; RSA's key is split at 255 octets") {
  test::temp_dir dir;
  dkim_key_store store(dir.path());
  auto ed = dkim_records(*store.ensure("ed.example", key_type::ed25519));
  REQUIRE(ed.size() == 3);
  CHECK(ed[0].name == store.find("ed.example")->tokens[0] + "._domainkey.ed.example");
  CHECK(ed[0].type == "TXT");
  CHECK(ed[0].value.starts_with("\"v=DKIM1; k=ed25519; p="));
  CHECK(ed[0].value.find("\" \"") == std::string::npos);

  auto rsa = dkim_records(*store.ensure("example.com", key_type::rsa));
  const std::string& v = rsa[0].value;
  CHECK(v.starts_with("\"v=DKIM1; k=rsa; p=MIIBIjAN"));
  std::size_t split = v.find("\" \"");
  REQUIRE(split != std::string::npos);
  CHECK(split == 256);  // the opening quote and 255 octets
  CHECK(v.find("\" \"", split + 1) == std::string::npos);
}

TEST_CASE("a damaged key file is an error that names it, never a silent new key") {
  test::temp_dir dir;
  {
    dkim_key_store store(dir.path());
    store.ensure("example.com", key_type::rsa);
  }
  std::ofstream(dir.path() / "dkim" / "example.com" / "private.pem") << "garbage";
  dkim_key_store store(dir.path());
  CHECK_THROWS_WITH_AS(store.ensure("example.com", key_type::rsa), doctest::Contains("private.pem"), std::runtime_error);
}

TEST_CASE("BYODKIM: the operator's key is kept 0600 and used with its selector; Easy DKIM's keys come back after") {
  test::temp_dir dir;
  dkim_key_store store(dir.path());
  auto easy = store.ensure("example.com", key_type::rsa);
  auto operator_key = dkim_key::generate(key_type::ed25519);
  CHECK_FALSE(store.external_pem("example.com"));
  store.put_external("example.com", operator_key);
  auto file = dir.path() / "dkim" / "example.com" / "external.pem";
  CHECK(mode_of(file) == 0600);
  CHECK(store.external_pem("example.com") == operator_key.private_pem());

  auto ext = store.use_external("example.com", "sel2024");
  CHECK(ext->external());
  CHECK(ext->selector() == "sel2024");
  CHECK(ext->tokens.empty());
  CHECK(ext->generated > 0);
  CHECK(ext->key.public_key_base64() == operator_key.public_key_base64());
  CHECK(store.find("example.com") == ext);  // what the session signs with
  auto records = dkim_records(*ext);
  REQUIRE(records.size() == 1);
  CHECK(records[0].name == "sel2024._domainkey.example.com");
  CHECK(records[0].value == "\"v=DKIM1; k=ed25519; p=" + operator_key.public_key_base64() + "\"");

  // Back to Easy DKIM: the same tokens and key as before, not new ones.
  auto again = store.ensure("example.com", key_type::rsa);
  CHECK_FALSE(again->external());
  CHECK(again->tokens == easy->tokens);
  CHECK(again->selector() == easy->tokens[0]);

  store.forget("example.com");
  CHECK_FALSE(store.find("example.com"));
  store.remove_external("example.com");
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK_THROWS_WITH_AS(store.use_external("example.com", "sel2024"), doctest::Contains("external.pem: no such file"),
                       std::runtime_error);
  // A key file named in policy.d.
  auto own = dir.path() / "own.pem";
  std::ofstream(own) << "not a key";
  CHECK_THROWS_WITH_AS(store.use_external("example.com", "s1", own), doctest::Contains("own.pem: The private key is not"),
                       std::runtime_error);
}

TEST_CASE("from_operator: PEM, or base64 DER with line breaks; anything else says why") {
  auto rsa = dkim_key::generate(key_type::rsa);
  std::string error;
  CHECK(dkim_key::from_operator(rsa.private_pem(), error));
  std::string pem = rsa.private_pem();
  std::string body = pem.substr(pem.find('\n') + 1, pem.find("-----END") - pem.find('\n') - 1);  // base64, with line breaks
  auto from_body = dkim_key::from_operator(body, error);
  REQUIRE(from_body);
  CHECK(from_body->public_key_base64() == rsa.public_key_base64());
  CHECK(from_body->bits() == 2048);
  CHECK_FALSE(dkim_key::from_operator("", error));
  CHECK(error.starts_with("The private key is not an RSA or Ed25519 private key"));
  CHECK_FALSE(dkim_key::from_operator("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", error));
  CHECK_FALSE(dkim_key::from_operator("@@@@", error));
}

}  // namespace
}  // namespace mfrelay::relay::dkim
