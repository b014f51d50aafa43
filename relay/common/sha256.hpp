// Incremental SHA-256 (OpenSSL EVP) for spool file checksums: feed the bytes as
// they stream, read the digest once. One object per thread at a time. No input
// is interpreted, only hashed.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace mfrelay::relay {

class sha256 {
 public:
  using digest = std::array<std::uint8_t, 32>;

  sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;
  ~sha256();

  void update(std::string_view bytes);
  // Ends this hash; call update() no more afterwards.
  digest finish();

 private:
  struct ctx_free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, ctx_free> ctx_;
};

// Lowercase hex, 64 characters.
std::string to_hex(const sha256::digest& d);

}  // namespace mfrelay::relay
