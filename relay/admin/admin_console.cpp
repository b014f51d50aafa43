#include "relay/admin/admin_console.hpp"

#include <spdlog/spdlog.h>

#include "policy/dns_records.hpp"
#include "policy/identity.hpp"
#include "policy/mail_from_check.hpp"
#include "relay/admin/api_error.hpp"
#include "relay/admin/change_request.hpp"
#include "relay/admin/console_pages.hpp"
#include "relay/admin/path_segments.hpp"
#include "relay/admin/uri_encoding.hpp"
#include "relay/common/clock.hpp"
#include "relay/common/record_format.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {
namespace {

void add_security_headers(http_response& r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                         "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

http_response html(int status, std::string body) {
  return http_response{status, "text/html; charset=utf-8", std::move(body), {}};
}

http_response redirect(std::string location) {
  http_response r;
  r.status = 303;
  r.body = "See " + location + "\n";
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

http_response message(int status, std::string_view title, std::string_view text) {
  return html(status, console_message_page(title, text));
}

std::string cookie_header(std::string_view name, std::string_view value, bool secure, bool clear = false) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/console/; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

std::string form_value(const std::multimap<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

std::string time_text(const std::optional<policy::timestamp>& t) { return t ? iso8601(*t) : std::string(); }

console_identity_row row_of(const identity_status& s) {
  const policy::identity& id = *s.identity;
  console_identity_row r;
  r.identity = id.name;
  r.behavior = id.behavior == policy::mx_failure_behavior::reject_message ? "REJECT_MESSAGE" : "USE_DEFAULT_VALUE";
  if (!id.has_mail_from()) return r;
  r.mail_from_domain = std::string(id.mail_from_as_given());
  if (auto status = s.status()) r.state = std::string(to_string(*status));
  bool current = s.stored && s.stored->mail_from_domain == id.mail_from_domain;
  if (current) {
    r.since = iso8601(s.stored->state.since);
    r.last_check = time_text(s.stored->last_check);
    r.spf = std::string(to_string(s.stored->spf));
    r.reason = s.stored->reason;
  } else {
    r.reason = "not checked yet";
  }
  return r;
}

}  // namespace

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return {};
}

std::string client_address_of(std::string_view peer) {
  if (peer.starts_with('[')) {
    std::size_t close = peer.find(']');
    return std::string(peer.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  std::size_t colon = peer.rfind(':');
  if (colon != std::string_view::npos && peer.find(':') == colon) return std::string(peer.substr(0, colon));
  return std::string(peer);
}

admin_console::admin_console(admin_backend& backend, password_verifier& passwords, console_options options)
    : backend_(backend),
      passwords_(passwords),
      options_(std::move(options)),
      sessions_(options_.session_idle),
      throttle_(options_.max_login_failures, options_.login_lockout) {
  if (!options_.clock) options_.clock = [] { return now(); };
}

bool admin_console::owns(std::string_view path) { return path == "/console" || path.starts_with("/console/"); }

std::optional<admin_console::signed_in> admin_console::session_of(const http_request& request) {
  auto header = request.headers.find("cookie");
  if (header == request.headers.end()) return std::nullopt;
  std::string id = cookie_value(header->second, console_cookie);
  if (id.empty()) return std::nullopt;
  auto session = sessions_.find(id, options_.clock());
  if (!session) return std::nullopt;
  // A user removed from [[admin.user]] (and reloaded) is signed out at once.
  auto cfg = backend_.config();
  bool still_there = false;
  for (const auto& u : cfg->admin.users) still_there = still_there || u.name == session->user;
  if (!still_there) {
    sessions_.remove(id);
    return std::nullopt;
  }
  return signed_in{std::move(*session)};
}

boost::asio::awaitable<http_response> admin_console::handle(http_request request, std::string client) {
  http_response r = co_await route(request, client);
  add_security_headers(r);
  co_return r;
}

boost::asio::awaitable<http_response> admin_console::route(const http_request& request, const std::string& client) {
    const std::string& m = request.method;
    std::vector<std::string> s = path_segments(request.target.empty() ? request.path : request.target);
    // s[0] == "console"; a trailing "/" leaves an empty last segment.
    if (!s.empty() && s.back().empty()) s.pop_back();
    if (s.size() <= 1 && request.path == "/console" && m == "GET") co_return redirect("/console/");
    if (s.size() == 2 && s[1] == "style.css" && m == "GET") {
      http_response css;
      css.content_type = "text/css; charset=utf-8";
      css.body = std::string(console_stylesheet());
      co_return css;
    }
    if (s.size() == 2 && s[1] == "copy.js" && m == "GET") {
      http_response js;
      js.content_type = "text/javascript; charset=utf-8";
      js.body = std::string(console_copy_script());
      co_return js;
    }
    if (s.size() == 2 && s[1] == "login" && m == "GET") {
      if (session_of(request)) co_return redirect("/console/");
      co_return login_form(request, "");
    }
    if (s.size() == 2 && s[1] == "login" && m == "POST") co_return co_await login(request, client);

    std::optional<signed_in> who = session_of(request);
    if (m == "POST") {
      // Every change needs a session and that session's CSRF token.
      if (!who) co_return message(403, "Forbidden", "Sign in first: this change needs a console session.");
      auto form = parse_query(request.body, true);
      if (!csrf_token_matches(who->session.csrf_token, form_value(form, "csrf_token")))
        co_return message(403, "Forbidden", "The form's CSRF token is missing or is not this session's.");
      if (s.size() == 2 && s[1] == "logout") {
        sessions_.remove(who->session.id);
        http_response out = redirect("/console/login");
        out.headers.emplace_back("Set-Cookie", cookie_header(console_cookie, "", options_.secure_cookie, true));
        co_return out;
      }
      if (s.size() == 4 && s[1] == "identities" && s[3] == "check") {
        auto cfg = backend_.config();
        auto parsed = policy::parse_identity_name(s[2]);
        if (!parsed.value || !cfg->identities.find(parsed.value->name))
          co_return message(404, "Not found", "'" + s[2] + "' is not a declared identity.");
        bool checked = co_await backend_.verify_now(parsed.value->name);
        co_return redirect(console_identity_url(parsed.value->name) + (checked ? "?checked=1" : "?checked=0"));
      }
      if (s.size() == 4 && s[1] == "identities" && s[3] == "mail-from")
        co_return co_await set_mail_from(*who, s[2], request);
      co_return message(404, "Not found", "No console page answers POST " + request.path + ".");
    }
    if (m != "GET") co_return message(405, "Method not allowed", "The console takes GET and POST.");
    if (!who) co_return redirect("/console/login");
    if (s.size() == 1) co_return identities(*who);
    if (s.size() == 3 && s[1] == "identities") {
      std::string notice;
      if (auto it = request.query.find("checked"); it != request.query.end())
        notice = it->second == "1"
                     ? "A check of the MAIL FROM domain's records has started: reload this page for its result."
                     : "Not checked: the identity has no custom MAIL FROM domain, or it is Failed.";
      if (request.query.contains("saved")) notice = "Saved.";
      co_return co_await identity_page(*who, s[2], std::move(notice), std::vector<std::string>{}, std::nullopt);
    }
    if (s.size() == 4 && s[1] == "identities" && (s[3] == "records.csv" || s[3] == "records.zone"))
      co_return records(s[2], s[3] == "records.csv");
    co_return message(404, "Not found", "No console page is " + request.path + ".");
}

http_response admin_console::login_form(const http_request& request, std::string error, int status) const {
  // The sign-in form's own CSRF token (no session yet): a random value in a
  // cookie and in the form, which must match (double submit).
  std::string token;
  if (auto h = request.headers.find("cookie"); h != request.headers.end())
    token = cookie_value(h->second, console_login_cookie);
  if (token.size() != 64) token = random_token();
  http_response r = html(status, console_login_page(token, error));
  r.headers.emplace_back("Set-Cookie", cookie_header(console_login_cookie, token, options_.secure_cookie));
  return r;
}

boost::asio::awaitable<http_response> admin_console::login(const http_request& request, const std::string& client) {
  auto form = parse_query(request.body, true);
  std::string user = form_value(form, "user");
  std::string password = form_value(form, "password");
  std::string cookie_token;
  if (auto h = request.headers.find("cookie"); h != request.headers.end())
    cookie_token = cookie_value(h->second, console_login_cookie);
  if (!csrf_token_matches(cookie_token, form_value(form, "login_token")))
    co_return message(403, "Forbidden", "The sign-in form's token is missing or stale: open the sign-in page again.");

  policy::timestamp now = options_.clock();
  if (auto wait = throttle_.locked(client, user, now)) {
    auto seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
    spdlog::warn("console {}: sign-in as '{}' refused: locked out for {} s", client, user, seconds);
    http_response r = login_form(request, "Too many failed sign-ins: try again in " + std::to_string(seconds) +
                                              " seconds.", 429);
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    co_return r;
  }

  auto cfg = backend_.config();
  const policy::admin_user* found = nullptr;
  for (const auto& u : cfg->admin.users) {
    if (u.name == user) found = &u;
  }
  bool ok = false;
  if (found) {
    ok = co_await passwords_.verify(user, password, found->password_hash);
  } else if (!cfg->admin.users.empty()) {
    // An unknown name costs the same work as a wrong password.
    ok = co_await passwords_.verify_unknown(password, cfg->admin.users.front().password_hash);
  }
  std::fill(password.begin(), password.end(), '\0');
  now = options_.clock();
  if (!ok) {
    throttle_.failed(client, user, now);
    spdlog::warn("console {}: sign-in as '{}' failed", client, user);
    co_return login_form(request, cfg->admin.users.empty() ? "No [[admin.user]] is configured: nobody can sign in."
                                                           : "Wrong user name or password.",
                         401);
  }
  throttle_.succeeded(client, user);
  console_session session = sessions_.create(user, now);
  spdlog::info("console {}: '{}' signed in", client, user);
  http_response r = redirect("/console/");
  r.headers.emplace_back("Set-Cookie", cookie_header(console_cookie, session.id, options_.secure_cookie));
  r.headers.emplace_back("Set-Cookie", cookie_header(console_login_cookie, "", options_.secure_cookie, true));
  co_return r;
}

http_response admin_console::identities(const signed_in& who) const {
  auto cfg = backend_.config();
  std::vector<console_identity_row> rows;
  for (const auto& s : join_states(*cfg, backend_.stored_states())) rows.push_back(row_of(s));
  return html(200, console_identities_page(rows, who.session.user, who.session.csrf_token));
}

boost::asio::awaitable<http_response> admin_console::identity_page(const signed_in& who, const std::string& name,
                                                                   std::string notice,
                                                                   std::vector<std::string> errors,
                                                                   std::optional<std::string> form_value_text,
                                                                   int status) {
  auto parsed = policy::parse_identity_name(name);
  auto cfg = backend_.config();
  if (!parsed.value || !cfg->identities.find(parsed.value->name))
    co_return message(404, "Not found", "'" + name + "' is not a declared identity.");
  std::optional<identity_status> status_row;
  for (auto& s : join_states(*cfg, backend_.stored_states())) {
    if (s.identity->name == parsed.value->name) status_row = std::move(s);
  }
  if (!status_row) co_return message(404, "Not found", "'" + name + "' is not a declared identity.");
  const policy::identity& id = *status_row->identity;
  console_identity_page page;
  page.row = row_of(*status_row);
  page.records = policy::required_records(id, cfg->feedback_host(), cfg->verification.spf_include);
  page.default_mail_from_domain = cfg->default_mail_from_domain();
  page.notice = std::move(notice);
  page.errors = std::move(errors);
  page.form_mail_from = form_value_text.value_or(std::string(id.mail_from_as_given()));
  for (const auto& t : co_await backend_.history(id.name, 50)) {
    page.history.push_back({iso8601(t.at), t.from ? std::string(to_string(*t.from)) : std::string(),
                            std::string(to_string(t.to)), t.reason, t.evidence});
  }
  co_return html(status, console_identity_page_html(page, who.session.user, who.session.csrf_token));
}

http_response admin_console::records(const std::string& name, bool csv) const {
  auto parsed = policy::parse_identity_name(name);
  auto cfg = backend_.config();
  const policy::identity* id = parsed.value ? cfg->identities.find(parsed.value->name) : nullptr;
  if (!id) return message(404, "Not found", "'" + name + "' is not a declared identity.");
  if (!id->has_mail_from())
    return message(404, "No records", "Identity " + id->name + " has no custom MAIL FROM domain; it uses " +
                                          cfg->default_mail_from_domain() + " and needs no records.");
  http_response r;
  r.content_type = csv ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8";
  r.body = format_records(policy::required_records(*id, cfg->feedback_host(), cfg->verification.spf_include),
                          csv ? record_format::csv : record_format::zone);
  // The file name is made of the identity's name: keep only safe characters.
  std::string file;
  for (char c : id->name) file.push_back((std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_');
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + file + (csv ? "-records.csv\"" : ".zone\""));
  return r;
}

boost::asio::awaitable<http_response> admin_console::set_mail_from(const signed_in& who, const std::string& name,
                                                                   const http_request& request) {
  auto form = parse_query(request.body, true);
  auto parsed = policy::parse_identity_name(name);
  if (!parsed.value || !backend_.config()->identities.find(parsed.value->name))
    co_return message(404, "Not found", "'" + name + "' is not a declared identity.");
  bool clear = form_value(form, "clear") == "1";
  std::string domain = clear ? std::string() : form_value(form, "mail_from_domain");
  // Trimmed as a browser user would expect; a trailing dot goes, as the API does.
  while (!domain.empty() && (domain.back() == ' ' || domain.back() == '\t')) domain.pop_back();
  while (!domain.empty() && (domain.front() == ' ' || domain.front() == '\t')) domain.erase(0, 1);
  if (domain.ends_with('.')) domain.pop_back();
  std::string behavior_text = form_value(form, "behavior");
  std::optional<policy::mx_failure_behavior> behavior;
  if (behavior_text.empty() || behavior_text == "USE_DEFAULT_VALUE") behavior = policy::mx_failure_behavior::use_default_value;
  else if (behavior_text == "REJECT_MESSAGE") behavior = policy::mx_failure_behavior::reject_message;
  if (!behavior) {
    std::vector<std::string> errors{std::string("Behavior on MX failure must be USE_DEFAULT_VALUE or REJECT_MESSAGE.")};
    co_return co_await identity_page(who, name, std::string(), std::move(errors), domain, 400);
  }

  identity_change change;
  change.what = identity_change::kind::set_mail_from;
  change.identity = parsed.value->name;
  change.mail_from_domain = domain;
  change.behavior = behavior;
  std::optional<std::string> refused;
  try {
    co_await request_change(backend_, std::move(change), "BadRequestException");
  } catch (const api_error& e) {
    refused = e.what();
    if (!e.detail.empty()) spdlog::warn("console: '{}' set MAIL FROM of {}: refused: {}", who.session.user, name, e.detail);
  }
  if (refused) {
    std::vector<std::string> errors{*refused};
    co_return co_await identity_page(who, name, std::string(), std::move(errors), domain, 400);
  }
  spdlog::info("console: '{}' set the MAIL FROM domain of {} to '{}'", who.session.user, parsed.value->name, domain);
  co_return redirect(console_identity_url(parsed.value->name) + "?saved=1");
}

}  // namespace mfrelay::relay
