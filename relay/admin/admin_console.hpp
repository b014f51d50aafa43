// The web console at /console/ (admin_gate routes it here, before and instead
// of SigV4): sign-in with [[admin.user]], a session cookie, CSRF tokens on
// every POST, and server-rendered pages over the same backend calls as the
// API. Any executor, concurrent calls fine. Requests are client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "policy/time.hpp"
#include "relay/admin/admin_backend.hpp"
#include "relay/admin/console_sessions.hpp"
#include "relay/admin/login_throttle.hpp"
#include "relay/auth/password_verifier.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

inline constexpr std::string_view console_cookie = "mfrelay_console";
inline constexpr std::string_view console_login_cookie = "mfrelay_login";  // the sign-in form's CSRF token

struct console_options {
  bool secure_cookie = false;                 // the admin listener is TLS: cookies get Secure
  std::function<policy::timestamp()> clock;   // empty: the wall clock
  policy::duration session_idle = std::chrono::hours(8);
  std::uint32_t max_login_failures = 5;
  policy::duration login_lockout = std::chrono::minutes(1);
};

class admin_console {
 public:
  admin_console(admin_backend& backend, password_verifier& passwords, console_options options = {});

  // "/console" and everything under "/console/".
  static bool owns(std::string_view path);

  // `client` is the client's address (no port): login throttling counts by it.
  boost::asio::awaitable<http_response> handle(http_request request, std::string client);

  console_sessions& sessions() { return sessions_; }

 private:
  struct signed_in {
    console_session session;
  };
  boost::asio::awaitable<http_response> route(const http_request& request, const std::string& client);
  std::optional<signed_in> session_of(const http_request& request);
  boost::asio::awaitable<http_response> login(const http_request& request, const std::string& client);
  http_response login_form(const http_request& request, std::string error, int status = 200) const;
  http_response identities(const signed_in& who) const;
  boost::asio::awaitable<http_response> identity_page(const signed_in& who, const std::string& name,
                                                      std::string notice, std::vector<std::string> errors,
                                                      std::optional<std::string> form_value, int status = 200);
  http_response records(const std::string& name, bool csv) const;
  boost::asio::awaitable<http_response> set_mail_from(const signed_in& who, const std::string& name,
                                                      const http_request& request);

  admin_backend& backend_;
  password_verifier& passwords_;
  console_options options_;
  console_sessions sessions_;
  login_throttle throttle_;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"); "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

// "1.2.3.4:5" -> "1.2.3.4", "[::1]:5" -> "::1" (what http_server logs as the peer).
std::string client_address_of(std::string_view peer);

}  // namespace mfrelay::relay
