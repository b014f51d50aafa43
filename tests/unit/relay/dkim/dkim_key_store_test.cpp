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

}  // namespace
}  // namespace mfrelay::relay::dkim
