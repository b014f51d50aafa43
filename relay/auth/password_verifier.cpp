#include "relay/auth/password_verifier.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "relay/auth/password_hash.hpp"
#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay {
namespace {

// Runs on the worker pool; parameters by value (the coroutine owns them).
boost::asio::awaitable<bool> derive_and_compare(std::string password, std::string hash) {
  bool ok = verify_password(password, hash);
  OPENSSL_cleanse(password.data(), password.size());
  co_return ok;
}

}  // namespace

password_verifier::password_verifier(boost::asio::any_io_executor workers)
    : workers_(std::move(workers)), secret_(random_string(32)) {}

std::string password_verifier::remember_key(const std::string& user, const std::string& password,
                                            const std::string& hash) const {
  std::string input = user + '\0' + password + '\0' + hash;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &length);
  OPENSSL_cleanse(input.data(), input.size());
  return std::string(reinterpret_cast<char*>(mac), length);
}

bool password_verifier::remembered(const std::string& user, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = known_.find(user);
  return found != known_.end() && found->second.size() == key.size() &&
         CRYPTO_memcmp(found->second.data(), key.data(), key.size()) == 0;
}

void password_verifier::remember(const std::string& user, std::string key) {
  std::lock_guard lock(mutex_);
  known_.insert_or_assign(user, std::move(key));
}

boost::asio::awaitable<bool> password_verifier::verify(std::string user, std::string password, std::string password_hash) {
  // A changed hash (config reload) changes the key, so an old password stops working at once.
  std::string key = remember_key(user, password, password_hash);
  if (remembered(user, key)) {
    OPENSSL_cleanse(password.data(), password.size());
    co_return true;
  }
  bool ok = co_await boost::asio::co_spawn(workers_, derive_and_compare(std::move(password), password_hash),
                                          boost::asio::use_awaitable);
  if (ok) remember(user, std::move(key));
  co_return ok;
}

std::string password_verifier::dummy_like(const std::string& like) {
  std::lock_guard lock(mutex_);
  if (dummy_.empty() || like != dummy_like_) {
    dummy_ = dummy_password_hash(like);
    dummy_like_ = like;
  }
  return dummy_;
}

boost::asio::awaitable<bool> password_verifier::verify_unknown(std::string password, std::string like) {
  // Not remembered and never true: the point is only to spend the same time.
  co_await boost::asio::co_spawn(workers_, derive_and_compare(std::move(password), dummy_like(like)),
                                 boost::asio::use_awaitable);
  co_return false;
}

}  // namespace mfrelay::relay
