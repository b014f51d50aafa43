// The web console: its session store, login throttling, CSRF check and HTML
// escaping, then admin_console over the fake backend with simulated time.
#include <doctest/doctest.h>

#include <boost/asio/thread_pool.hpp>

#include "relay/admin/admin_console.hpp"
#include "relay/admin/console_sessions.hpp"
#include "relay/admin/html_escape.hpp"
#include "relay/admin/login_throttle.hpp"
#include "relay/auth/password_hash.hpp"
#include "fake_backend.hpp"

namespace mfrelay::relay::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("html_escape: markup and both quotes become references") {
  CHECK(html_escape("<script>alert('x')</script> & \"q\"") ==
        "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;");
  CHECK(html_escape(std::string("a\x01") + "b") == std::string("a\xEF\xBF\xBD") + "b");
  CHECK(html_escape("plain.example.com") == "plain.example.com");
}

TEST_CASE("console_sessions: random ids, idle expiry on the server, removal, a bounded store") {
  console_sessions sessions(8h, 2);
  console_session a = sessions.create("ops", at(0));
  console_session b = sessions.create("ops", at(0));
  CHECK(a.id.size() == 64);
  CHECK(a.csrf_token.size() == 64);
  CHECK(a.id != b.id);
  CHECK(a.csrf_token != a.id);
  // Each use moves the idle deadline.
  REQUIRE(sessions.find(a.id, at(7 * 3600)));
  REQUIRE(sessions.find(a.id, at(14 * 3600)));
  CHECK(sessions.find(a.id, at(14 * 3600))->user == "ops");
  // b was last used at 0: idle for 8 h, it is gone, and stays gone.
  CHECK_FALSE(sessions.find(b.id, at(8 * 3600)));
  CHECK_FALSE(sessions.find(b.id, at(8 * 3600 + 1)));
  CHECK_FALSE(sessions.find("", at(0)));
  CHECK_FALSE(sessions.find(a.id.substr(1), at(14 * 3600)));
  sessions.remove(a.id);
  CHECK_FALSE(sessions.find(a.id, at(14 * 3600)));
  // Full: the least recently used one makes room.
  console_session c = sessions.create("x", at(100));
  console_session d = sessions.create("y", at(200));
  console_session e = sessions.create("z", at(300));
  CHECK(sessions.size() == 2);
  CHECK_FALSE(sessions.find(c.id, at(300)));
  CHECK(sessions.find(d.id, at(300)));
  CHECK(sessions.find(e.id, at(300)));
}

TEST_CASE("csrf_token_matches: only the session's own token") {
  std::string token = random_token();
  CHECK(csrf_token_matches(token, token));
  CHECK_FALSE(csrf_token_matches(token, ""));
  CHECK_FALSE(csrf_token_matches(token, token.substr(1)));
  CHECK_FALSE(csrf_token_matches(token, random_token()));
  CHECK_FALSE(csrf_token_matches("", ""));  // a session never has an empty token
}

TEST_CASE("login_throttle: 5 failures lock the address and the name for a minute") {
  login_throttle throttle(5, 1min);
  for (int i = 0; i < 4; ++i) throttle.failed("192.0.2.1", "ops", at(i));
  CHECK_FALSE(throttle.locked("192.0.2.1", "ops", at(4)));
  throttle.failed("192.0.2.1", "ops", at(4));
  auto wait = throttle.locked("192.0.2.1", "ops", at(5));
  REQUIRE(wait);
  CHECK(*wait == 59s);
  // The name is locked from any address, the address for any name.
  CHECK(throttle.locked("198.51.100.7", "OPS", at(5)));
  CHECK(throttle.locked("192.0.2.1", "someone-else", at(5)));
  CHECK_FALSE(throttle.locked("198.51.100.7", "someone-else", at(5)));
  // A minute later: free again.
  CHECK_FALSE(throttle.locked("192.0.2.1", "ops", at(64)));

  SUBCASE("failures far apart never add up") {
    login_throttle slow(5, 1min);
    for (int i = 0; i < 10; ++i) slow.failed("192.0.2.9", "dev", at(i * 61));
    CHECK_FALSE(slow.locked("192.0.2.9", "dev", at(10 * 61)));
  }
  SUBCASE("a success starts the count again") {
    login_throttle t(5, 1min);
    for (int i = 0; i < 4; ++i) t.failed("192.0.2.2", "dev", at(i));
    t.succeeded("192.0.2.2", "dev");
    t.failed("192.0.2.2", "dev", at(5));
    CHECK_FALSE(t.locked("192.0.2.2", "dev", at(6)));
  }
}

TEST_CASE("cookie_value and client_address_of") {
  CHECK(cookie_value("a=1; mfrelay_console=abc; b=2", "mfrelay_console") == "abc");
  CHECK(cookie_value("xmfrelay_console=abc", "mfrelay_console").empty());
  CHECK(client_address_of("127.0.0.1:4567") == "127.0.0.1");
  CHECK(client_address_of("[::1]:4567") == "::1");
}

// A console over the fake backend, one [[admin.user]] "ops" / "right password",
// its clock in `now`.
struct console_fixture {
  fake_backend backend;
  boost::asio::thread_pool workers{1};
  password_verifier passwords{workers.get_executor()};
  policy::timestamp now = at(1'000'000);
  admin_console console{backend, passwords, console_options{false, [this] { return now; }}};

  console_fixture() {
    auto cfg = std::make_shared<policy::config>(*backend.cfg);
    cfg->admin.users.push_back({"ops", hash_password("right password", 1000), {}});
    backend.cfg = cfg;
  }
  ~console_fixture() { workers.join(); }

  http_response send(http_request r, std::string client = "192.0.2.1") {
    return run(console.handle(std::move(r), std::move(client)));
  }
  static http_request request(std::string method, std::string target, std::string cookie = {}, std::string body = {}) {
    http_request r = rest(std::move(method), std::move(target));
    if (!cookie.empty()) r.headers["cookie"] = cookie;
    r.body = std::move(body);
    return r;
  }
  // Sign-in with `password`; the login form's token is taken from a GET first.
  http_response login(std::string user, std::string password, std::string client = "192.0.2.1") {
    http_response form = send(request("GET", "/console/login"), client);
    std::string token = cookie_value(header(form, "Set-Cookie"), console_login_cookie);
    return send(request("POST", "/console/login", std::string(console_login_cookie) + "=" + token,
                        "login_token=" + token + "&user=" + uri_encode(user) + "&password=" + uri_encode(password)),
                client);
  }
  std::string signed_in_cookie() {
    http_response r = login("ops", "right password");
    REQUIRE(r.status == 303);
    for (const auto& [n, v] : r.headers) {
      if (n == "Set-Cookie" && v.starts_with(std::string(console_cookie) + "="))
        return std::string(console_cookie) + "=" + cookie_value(v.substr(0, v.find(';')), console_cookie);
    }
    FAIL("no session cookie");
    return {};
  }
  std::string csrf_of(const http_response& page) {
    std::string marker = "name=\"csrf_token\" value=\"";
    std::size_t at_ = page.body.find(marker);
    REQUIRE(at_ != std::string::npos);
    return page.body.substr(at_ + marker.size(), 64);
  }
};

TEST_CASE_FIXTURE(console_fixture, "console sign-in: the cookie's attributes, wrong passwords, the lockout") {
  http_response wrong = login("ops", "wrong");
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("Wrong user name or password") != std::string::npos);
  CHECK(login("nobody", "right password").status == 401);

  // Without the sign-in form's token: refused before any password check.
  CHECK(send(request("POST", "/console/login", {}, "user=ops&password=right+password")).status == 403);

  http_response ok = login("ops", "right password");
  REQUIRE(ok.status == 303);
  CHECK(header(ok, "Location") == "/console/");
  std::string set_cookie = header(ok, "Set-Cookie");
  CHECK(set_cookie.starts_with("mfrelay_console="));
  CHECK(set_cookie.find("HttpOnly") != std::string::npos);
  CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(set_cookie.find("Path=/console/") != std::string::npos);
  CHECK(set_cookie.find("Secure") == std::string::npos);  // the admin listener is plain HTTP here

  // Five failures in a row: 429 for a minute, even with the right password.
  for (int i = 0; i < 5; ++i) CHECK(login("ops", "guess " + std::to_string(i), "192.0.2.66").status == 401);
  http_response locked = login("ops", "right password", "192.0.2.66");
  CHECK(locked.status == 429);
  CHECK(header(locked, "Retry-After") == "60");
  now += 61s;
  CHECK(login("ops", "right password", "192.0.2.66").status == 303);
}

TEST_CASE_FIXTURE(console_fixture, "console pages need a session; the idle session expires") {
  CHECK(send(request("GET", "/console/")).status == 303);
  CHECK(header(send(request("GET", "/console/")), "Location") == "/console/login");
  std::string cookie = signed_in_cookie();
  http_response list = send(request("GET", "/console/", cookie));
  CHECK(list.status == 200);
  CHECK(list.body.find("billing@example.com") != std::string::npos);
  CHECK(list.body.find("mail.example.com") != std::string::npos);
  CHECK(header(list, "Cache-Control") == "no-store");
  // A forged cookie is no session.
  CHECK(send(request("GET", "/console/", "mfrelay_console=" + std::string(64, 'a'))).status == 303);
  now += 8h;
  CHECK(send(request("GET", "/console/", cookie)).status == 303);
}

TEST_CASE_FIXTURE(console_fixture, "console POSTs need the session and its CSRF token") {
  std::string cookie = signed_in_cookie();
  http_response page = send(request("GET", "/console/identities/example.com", cookie));
  REQUIRE(page.status == 200);
  std::string csrf = csrf_of(page);

  std::string change = "mail_from_domain=bounce.example.com&behavior=REJECT_MESSAGE";
  CHECK(send(request("POST", "/console/identities/example.com/mail-from", cookie, change)).status == 403);
  CHECK(send(request("POST", "/console/identities/example.com/mail-from", cookie,
                     change + "&csrf_token=" + random_token()))
            .status == 403);
  CHECK(send(request("POST", "/console/identities/example.com/mail-from", {}, change + "&csrf_token=" + csrf))
            .status == 403);
  CHECK(send(request("POST", "/console/identities/example.com/check", {}, "csrf_token=" + csrf)).status == 403);
  CHECK(backend.changes.empty());
  CHECK(backend.verified.empty());

  http_response saved = send(request("POST", "/console/identities/example.com/mail-from", cookie,
                                     change + "&csrf_token=" + csrf));
  CHECK(saved.status == 303);
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].mail_from_domain == "bounce.example.com");
  CHECK(backend.changes[0].behavior == policy::mx_failure_behavior::reject_message);
  http_response after = send(request("GET", "/console/identities/example.com?saved=1", cookie));
  CHECK(after.body.find("bounce.example.com") != std::string::npos);
  CHECK(after.body.find("Pending") != std::string::npos);

  CHECK(send(request("POST", "/console/identities/example.com/check", cookie, "csrf_token=" + csrf)).status == 303);
  CHECK(backend.verified == std::vector<std::string>{"example.com"});

  // Signed out: the cookie and its token no longer work.
  CHECK(send(request("POST", "/console/logout", cookie, "csrf_token=" + csrf)).status == 303);
  CHECK(send(request("GET", "/console/", cookie)).status == 303);
}

TEST_CASE_FIXTURE(console_fixture, "console mail-from form: validated like the API, errors on the page, escaped") {
  std::string cookie = signed_in_cookie();
  std::string csrf = csrf_of(send(request("GET", "/console/identities/example.com", cookie)));
  http_response refused = send(request("POST", "/console/identities/example.com/mail-from", cookie,
                                       "mail_from_domain=%3Cb%3Eelsewhere.org&csrf_token=" + csrf));
  CHECK(refused.status == 400);
  CHECK(refused.body.find("<b>elsewhere.org") == std::string::npos);
  CHECK(refused.body.find("&lt;b&gt;elsewhere.org") != std::string::npos);
  CHECK(refused.body.find("class=\"error\"") != std::string::npos);
  http_response other = send(request("POST", "/console/identities/example.com/mail-from", cookie,
                                     "mail_from_domain=bounce.other.org&csrf_token=" + csrf));
  CHECK(other.status == 400);
  CHECK(other.body.find("is not subdomain of the domain of the identity") != std::string::npos);
  CHECK(send(request("POST", "/console/identities/example.com/mail-from", cookie,
                     "mail_from_domain=&behavior=SOMETIMES&csrf_token=" + csrf))
            .status == 400);
}

TEST_CASE_FIXTURE(console_fixture, "console record downloads: CSV with SES's columns, a zone file") {
  std::string cookie = signed_in_cookie();
  http_response csv = send(request("GET", "/console/identities/example.com/records.csv", cookie));
  CHECK(csv.status == 200);
  CHECK(csv.content_type.starts_with("text/csv"));
  CHECK(header(csv, "Content-Disposition") == "attachment; filename=\"example.com-records.csv\"");
  CHECK(csv.body.starts_with("Type,Name,Value\r\nMX,mail.example.com,"));
  http_response zone = send(request("GET", "/console/identities/example.com/records.zone", cookie));
  CHECK(zone.status == 200);
  CHECK(zone.body.find("mail.example.com.\t3600\tIN\tMX\t") != std::string::npos);
  CHECK(send(request("GET", "/console/identities/other.org/records.csv", cookie)).status == 404);
  CHECK(send(request("GET", "/console/identities/example.com/records.csv")).status == 303);
}

}  // namespace
}  // namespace mfrelay::relay::test
