// [[user]] password_hash: PBKDF2-SHA256 in passlib's $pbkdf2-sha256$ form.
// The known vectors were computed outside this code base, with Python:
//   hashlib.pbkdf2_hmac('sha256', password, salt, 1000), written in passlib's
//   adapted base64 ('.' for '+', no padding)
// so they prove that hashes made by passlib verify here.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "relay/auth/password_hash.hpp"

namespace mfrelay::relay {
namespace {

// password "password", salt bytes 0..15, 1000 iterations. The digest has a '.'
// where standard base64 has '+'.
constexpr std::string_view passlib_vector =
    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$JeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c";
// password "password", salt bytes 0..7 (passlib's smallest useful salt).
constexpr std::string_view short_salt_vector =
    "$pbkdf2-sha256$1000$AAECAwQFBgc$.LF3vexkFEcZ8Ctp7oiLJmDRJfUUEA.IYdCaMu2W8/A";
// password "pässwörd" in UTF-8, salt bytes 0..15.
constexpr std::string_view utf8_vector =
    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$L1aYbGjzdoPwxPhGrTdCzJAIXgv98gXX9F7Efjyq3Og";

constexpr std::string_view salt16 = "AAECAwQFBgcICQoLDA0ODw";
constexpr std::string_view digest32 = "JeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c";

std::string with(std::string_view iterations, std::string_view salt, std::string_view digest) {
  return "$pbkdf2-sha256$" + std::string(iterations) + '$' + std::string(salt) + '$' + std::string(digest);
}

bool is_ab64(std::string_view text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
    if (!ok) return false;
  }
  return !text.empty();
}

TEST_CASE("a hash made here verifies its password and nothing else") {
  const std::string hash = hash_password("correct horse", 1000);
  CAPTURE(hash);
  CHECK(password_hash_error(hash) == "");
  CHECK(verify_password("correct horse", hash));
  CHECK_FALSE(verify_password("Correct horse", hash));
  CHECK_FALSE(verify_password("correct horse ", hash));
  CHECK_FALSE(verify_password("correct hors", hash));
  CHECK_FALSE(verify_password("", hash));
}

TEST_CASE("a hash is self-describing: scheme, iterations, 16-octet salt, 32-octet digest") {
  const std::string hash = hash_password("secret", 1234);
  CAPTURE(hash);
  REQUIRE(hash.starts_with("$pbkdf2-sha256$1234$"));
  std::string_view rest = std::string_view(hash).substr(std::string_view("$pbkdf2-sha256$1234$").size());
  auto dollar = rest.find('$');
  REQUIRE(dollar != std::string_view::npos);
  std::string_view salt = rest.substr(0, dollar), digest = rest.substr(dollar + 1);
  CHECK(salt.size() == 22);    // 16 octets, unpadded
  CHECK(digest.size() == 43);  // 32 octets, unpadded
  CHECK(is_ab64(salt));
  CHECK(is_ab64(digest));
}

TEST_CASE("every hash gets a fresh salt") {
  const std::string a = hash_password("same password", 1000);
  const std::string b = hash_password("same password", 1000);
  CHECK(a != b);
  CHECK(a.substr(0, a.rfind('$')) != b.substr(0, b.rfind('$')));  // the salts differ, not only the digests
  CHECK(verify_password("same password", a));
  CHECK(verify_password("same password", b));
}

TEST_CASE("hashes written by passlib's pbkdf2_sha256 verify") {
  CHECK(password_hash_error(passlib_vector) == "");
  CHECK(verify_password("password", passlib_vector));
  CHECK_FALSE(verify_password("Password", passlib_vector));

  CHECK(password_hash_error(short_salt_vector) == "");
  CHECK(verify_password("password", short_salt_vector));

  CHECK(verify_password("p\xc3\xa4ssw\xc3\xb6rd", utf8_vector));
  CHECK_FALSE(verify_password("p\xe4ssw\xf6rd", utf8_vector));  // the same text in Latin-1 is another password
}

TEST_CASE("a hash altered in any part no longer verifies") {
  // Salt and digest of the passlib vector, each changed in its first digit
  // (the last one carries unused bits), and the iteration count changed.
  CHECK_FALSE(verify_password("password", with("1000", "BAECAwQFBgcICQoLDA0ODw", digest32)));
  CHECK_FALSE(verify_password("password", with("1000", salt16, "KeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c")));
  CHECK_FALSE(verify_password("password", with("1001", salt16, digest32)));
}

TEST_CASE("password_hash_error says why a configured hash is unusable") {
  const std::string scheme = "it does not start with $pbkdf2-sha256$ (make one with `mfrelay hash-password`)";
  const std::string form = "it must have the form $pbkdf2-sha256$ITERATIONS$SALT$DIGEST";
  const std::string iterations = "its iteration count is not a number of at least 1000";
  const std::string salt = "its salt is not base64 of at least 8 octets";
  const std::string digest = "its digest is not base64 of 32 octets";
  struct row {
    std::string hash, why;
  };
  const row rows[] = {
      {"", scheme},
      {"change-me", scheme},  // a plain-text password pasted by mistake
      {"$pbkdf2-sha512$1000$" + std::string(salt16) + "$" + std::string(digest32), scheme},
      {"$PBKDF2-SHA256$1000$" + std::string(salt16) + "$" + std::string(digest32), scheme},
      {"pbkdf2-sha256$1000$" + std::string(salt16) + "$" + std::string(digest32), scheme},
      {"$pbkdf2-sha256$...", form},  // the placeholder of DESIGN.md
      {"$pbkdf2-sha256$1000$" + std::string(salt16), form},
      {with("1000", salt16, digest32) + "$", form},
      {with("1000", salt16, digest32) + "$extra", form},
      {with("999", salt16, digest32), iterations},
      {with("0", salt16, digest32), iterations},
      {with("", salt16, digest32), iterations},
      {with("+1000", salt16, digest32), iterations},
      {with("-1000", salt16, digest32), iterations},
      {with("1000 ", salt16, digest32), iterations},
      {with("1e5", salt16, digest32), iterations},
      {with("99999999999999999999", salt16, digest32), iterations},
      {with("1000", "AAECAwQFBg", digest32), salt},  // 7 octets
      {with("1000", "", digest32), salt},
      {with("1000", "AAECAwQFBgc=", digest32), salt},  // padding
      {with("1000", "AAECAwQFBgc+", digest32), salt},  // standard '+', not '.'
      {with("1000", "AAECAwQFBgcI*", digest32), salt},
      {with("1000", salt16, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg"), digest},  // 31 octets
      {with("1000", salt16, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"), digest},  // 33 octets
      {with("1000", salt16, "JeuGrMduQwGPGLmo+Qwv7UYtHHmeg9SK49fGkEamC2c"), digest},  // '+'
      {with("1000", salt16, std::string(digest32) + "="), digest},
      {with("1000", salt16, ""), digest},
  };
  for (const auto& r : rows) {
    CAPTURE(r.hash);
    CHECK(password_hash_error(r.hash) == r.why);
    CHECK_FALSE(verify_password("password", r.hash));  // false, never an exception
  }
}

TEST_CASE("an iteration count OpenSSL cannot run is refused when the configuration is read") {
  // PKCS5_PBKDF2_HMAC takes an int: a larger count must be reported by
  // `mfrelay check`, not fail each AUTH later.
  CHECK(password_hash_error(with("2147483647", salt16, digest32)) == "");  // the largest OpenSSL runs
  for (std::string_view count : {"2147483648", "4294967295"}) {
    CAPTURE(count);
    const std::string hash = with(count, salt16, digest32);
    CHECK(password_hash_error(hash) == "its iteration count is larger than 2147483647");
    CHECK_FALSE(verify_password("password", hash));
  }
}

}  // namespace
}  // namespace mfrelay::relay
