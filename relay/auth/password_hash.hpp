// Password hashes for [[user]] password_hash: PBKDF2-HMAC-SHA256 through
// OpenSSL, salted, in passlib's self-describing form
//   $pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 digest>
// so hashes made by passlib work too. Verification is CPU-heavy by design:
// callers on an event loop run it off the loop. Any thread.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::relay {

inline constexpr unsigned default_pbkdf2_iterations = 600'000;  // OWASP 2023 for PBKDF2-HMAC-SHA256

std::string hash_password(std::string_view password, unsigned iterations = default_pbkdf2_iterations);

// Why `encoded` is not a hash this build can verify, or "" when it is.
std::string password_hash_error(std::string_view encoded);

// The iteration count of a well-formed hash; 0 for anything else.
unsigned password_hash_iterations(std::string_view encoded);

// A well-formed hash with the iteration count and salt length of `like` (the
// defaults when `like` is not a hash) and a random digest that no password
// derives: checking a password against it costs what checking against `like`
// costs, and always fails. For user names that do not exist.
std::string dummy_password_hash(std::string_view like);

// Constant-time comparison of the derived digest; false for malformed hashes.
bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace mfrelay::relay
