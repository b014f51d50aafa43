// The SASL side of AUTH (RFC 4954) for PLAIN (RFC 4616) and LOGIN: challenges,
// decoding, authzid rules. No I/O, no password checking. One session's strand.
// Every response is untrusted client input and holds a secret: never log it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::relay::smtp {

// A user name and password to verify. Deliberately without any way to print it.
struct auth_credentials {
  std::string user;
  std::string password;
};

struct auth_step {
  enum class kind {
    challenge,    // send "334 <challenge>" and wait for the next line
    credentials,  // verify `credentials`
    cancelled,    // the client sent "*"
    undecodable,  // not strict base64
    refused,      // decodes, but cannot be valid (bad PLAIN structure, authzid != authcid, empty parts)
  };
  kind what = kind::refused;
  std::string challenge;  // base64, for kind::challenge
  auth_credentials credentials;
};

class auth_exchange {
 public:
  // `mechanism` is case-insensitive. `initial_response` is the optional second
  // word of the AUTH command ("=" stands for an empty one). Nullopt when the
  // mechanism is neither PLAIN nor LOGIN.
  std::optional<auth_step> start(std::string_view mechanism, std::optional<std::string_view> initial_response);

  // A line the client sent after a challenge.
  auth_step respond(std::string_view line);

  bool active() const { return stage_ != stage::idle; }
  void reset();

 private:
  enum class stage { idle, plain, login_user, login_password };
  auth_step plain(std::string_view response);
  auth_step login_user(std::string_view response);
  auth_step login_password(std::string_view response);

  stage stage_ = stage::idle;
  std::string user_;  // LOGIN's user name while its password is asked for
};

}  // namespace mfrelay::relay::smtp
