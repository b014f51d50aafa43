#include "relay/auth/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <climits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "relay/auth/base64.hpp"
#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::string_view scheme = "$pbkdf2-sha256$";
constexpr unsigned min_iterations = 1000;

struct parsed_hash {
  unsigned iterations = 0;
  std::string salt;
  std::string digest;
};

std::optional<parsed_hash> parse(std::string_view encoded, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<parsed_hash> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (!encoded.starts_with(scheme)) return fail("it does not start with $pbkdf2-sha256$ (make one with `mfrelay hash-password`)");
  encoded.remove_prefix(scheme.size());
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto end = encoded.find('$', start);
    parts.push_back(encoded.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 3) return fail("it must have the form $pbkdf2-sha256$ITERATIONS$SALT$DIGEST");
  parsed_hash out;
  auto [end, ec] = std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), out.iterations);
  if (ec != std::errc{} || end != parts[0].data() + parts[0].size() || out.iterations < min_iterations)
    return fail("its iteration count is not a number of at least 1000");
  if (out.iterations > INT_MAX) return fail("its iteration count is larger than 2147483647");  // OpenSSL takes an int
  auto salt = ab64_decode(parts[1]);
  auto digest = ab64_decode(parts[2]);
  if (!salt || salt->size() < 8) return fail("its salt is not base64 of at least 8 octets");
  if (!digest || digest->size() != 32) return fail("its digest is not base64 of 32 octets");
  out.salt = std::move(*salt);
  out.digest = std::move(*digest);
  return out;
}

std::string derive(std::string_view password, std::string_view salt, unsigned iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  return out;
}

}  // namespace

std::string hash_password(std::string_view password, unsigned iterations) {
  std::string salt = random_string(16);
  return std::string(scheme) + std::to_string(iterations) + '$' + ab64_encode(salt) + '$' +
         ab64_encode(derive(password, salt, iterations));
}

std::string password_hash_error(std::string_view encoded) {
  std::string why;
  parse(encoded, &why);
  return why;
}

unsigned password_hash_iterations(std::string_view encoded) {
  auto parsed = parse(encoded, nullptr);
  return parsed ? parsed->iterations : 0;
}

std::string dummy_password_hash(std::string_view like) {
  auto parsed = parse(like, nullptr);
  unsigned iterations = parsed ? parsed->iterations : default_pbkdf2_iterations;
  std::size_t salt_size = parsed ? parsed->salt.size() : 16;
  std::string salt = random_string(salt_size), digest = random_string(32);
  return std::string(scheme) + std::to_string(iterations) + '$' + ab64_encode(salt) + '$' + ab64_encode(digest);
}

bool verify_password(std::string_view password, std::string_view encoded) {
  auto parsed = parse(encoded, nullptr);
  if (!parsed) return false;
  std::string digest = derive(password, parsed->salt, parsed->iterations);
  return CRYPTO_memcmp(digest.data(), parsed->digest.data(), digest.size()) == 0;
}

}  // namespace mfrelay::relay
