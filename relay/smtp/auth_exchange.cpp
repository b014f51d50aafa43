#include "relay/smtp/auth_exchange.hpp"

#include <algorithm>
#include <utility>

#include "policy/ascii.hpp"
#include "relay/auth/base64.hpp"

namespace mfrelay::relay::smtp {
namespace {

auth_step make(auth_step::kind k) {
  auth_step s;
  s.what = k;
  return s;
}

auth_step challenge(std::string_view base64) {
  auth_step s = make(auth_step::kind::challenge);
  s.challenge = base64;
  return s;
}

// "*" cancels; "=" is an empty initial response (RFC 4954 4); the rest is strict base64.
std::optional<std::string> decode(std::string_view response, std::optional<auth_step>& failure) {
  if (response == "*") {
    failure = make(auth_step::kind::cancelled);
    return std::nullopt;
  }
  if (response == "=") return std::string();
  std::optional<std::string> decoded = base64_decode(response);
  if (!decoded) failure = make(auth_step::kind::undecodable);
  return decoded;
}

}  // namespace

void auth_exchange::reset() {
  stage_ = stage::idle;
  user_.clear();
}

std::optional<auth_step> auth_exchange::start(std::string_view mechanism,
                                              std::optional<std::string_view> initial_response) {
  reset();
  if (policy::ascii_iequals(mechanism, "PLAIN")) {
    stage_ = stage::plain;
    if (!initial_response) return challenge("");
    return plain(*initial_response);
  }
  if (policy::ascii_iequals(mechanism, "LOGIN")) {
    stage_ = stage::login_user;
    if (!initial_response) return challenge("VXNlcm5hbWU6");  // "Username:"
    return login_user(*initial_response);
  }
  return std::nullopt;
}

auth_step auth_exchange::respond(std::string_view line) {
  switch (stage_) {
    case stage::plain:
      return plain(line);
    case stage::login_user:
      return login_user(line);
    case stage::login_password:
      return login_password(line);
    case stage::idle:
      break;
  }
  return make(auth_step::kind::refused);
}

// RFC 4616: [authzid] NUL authcid NUL passwd. We let a user act only as itself,
// so an authzid must be empty or the authcid.
auth_step auth_exchange::plain(std::string_view response) {
  std::optional<auth_step> failure;
  std::optional<std::string> message = decode(response, failure);
  reset();
  if (!message) return *failure;
  std::size_t first = message->find('\0');
  std::size_t second = first == std::string::npos ? first : message->find('\0', first + 1);
  if (second == std::string::npos || message->find('\0', second + 1) != std::string::npos) {
    return make(auth_step::kind::refused);
  }
  std::string_view m = *message;
  std::string_view authzid = m.substr(0, first);
  std::string_view authcid = m.substr(first + 1, second - first - 1);
  std::string_view password = m.substr(second + 1);
  if (authcid.empty() || password.empty() || (!authzid.empty() && authzid != authcid)) {
    return make(auth_step::kind::refused);
  }
  auth_step s = make(auth_step::kind::credentials);
  s.credentials = {std::string(authcid), std::string(password)};
  return s;
}

auth_step auth_exchange::login_user(std::string_view response) {
  std::optional<auth_step> failure;
  std::optional<std::string> user = decode(response, failure);
  if (!user) {
    reset();
    return *failure;
  }
  if (user->empty() || user->find('\0') != std::string::npos) {
    reset();
    return make(auth_step::kind::refused);
  }
  user_ = std::move(*user);
  stage_ = stage::login_password;
  return challenge("UGFzc3dvcmQ6");  // "Password:"
}

auth_step auth_exchange::login_password(std::string_view response) {
  std::optional<auth_step> failure;
  std::optional<std::string> password = decode(response, failure);
  std::string user = std::move(user_);
  reset();
  if (!password) return *failure;
  if (password->empty() || password->find('\0') != std::string::npos) return make(auth_step::kind::refused);
  auth_step s = make(auth_step::kind::credentials);
  s.credentials = {std::move(user), std::move(*password)};
  return s;
}

}  // namespace mfrelay::relay::smtp
