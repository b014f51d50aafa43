#include "relay/common/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace mfrelay::relay {

namespace {

// Fetched once and kept: with OpenSSL 3, EVP_sha256() makes every init look the
// algorithm up in the provider store again (locks, a hash lookup), which showed
// in a profile of the spool's write path (one digest per message).
const EVP_MD* sha256_md() {
  static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return fetched ? fetched : EVP_sha256();
}

}  // namespace

// OpenSSL failing to hash means a broken library or no memory: not the disk's
// fault and not something a retry fixes, so it is an exception, not a spool_error.
sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), sha256_md(), nullptr) != 1)
    throw std::runtime_error("SHA-256: EVP_DigestInit_ex failed");
}

sha256::sha256(sha256&&) noexcept = default;
sha256& sha256::operator=(sha256&&) noexcept = default;
sha256::~sha256() = default;

void sha256::ctx_free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

void sha256::update(std::string_view bytes) {
  if (bytes.empty()) return;
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1)
    throw std::runtime_error("SHA-256: EVP_DigestUpdate failed");
}

sha256::digest sha256::finish() {
  digest d{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), d.data(), &length) != 1 || length != d.size())
    throw std::runtime_error("SHA-256: EVP_DigestFinal_ex failed");
  return d;
}

std::string to_hex(const sha256::digest& d) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (std::uint8_t b : d) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

}  // namespace mfrelay::relay
