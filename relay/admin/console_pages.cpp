#include "relay/admin/console_pages.hpp"

#include "relay/admin/html_escape.hpp"
#include "relay/admin/uri_encoding.hpp"

namespace mfrelay::relay {
namespace {

std::string csrf_field(std::string_view token) {
  return "<input type=\"hidden\" name=\"csrf_token\" value=\"" + html_escape(token) + "\">";
}

std::string or_dash(const std::string& text) { return text.empty() ? "&mdash;" : html_escape(text); }

std::string state_badge(const std::string& state) {
  if (state.empty()) return "<span class=\"state none\">default MAIL FROM</span>";
  return "<span class=\"state " + html_escape(state) + "\">" + html_escape(state) + "</span>";
}

}  // namespace

std::string console_identity_url(std::string_view identity) {
  return "/console/identities/" + uri_encode(identity);
}

std::string console_layout(std::string_view title, std::string_view user, std::string_view csrf_token,
                           std::string_view body) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + html_escape(title) + " - mfrelay console</title>"
      "<link rel=\"stylesheet\" href=\"/console/style.css\"><link rel=\"icon\" href=\"data:,\">"
      "<script src=\"/console/copy.js\" defer></script></head><body>"
      "<header><a class=\"home\" href=\"/console/\">mfrelay console</a>";
  if (!user.empty()) {
    out += "<form class=\"signout\" method=\"post\" action=\"/console/logout\">" + csrf_field(csrf_token) +
           "<span>" + html_escape(user) + "</span> <button type=\"submit\">Sign out</button></form>";
  }
  out += "</header><main>";
  out += body;
  out += "</main></body></html>\n";
  return out;
}

std::string console_login_page(std::string_view login_token, std::string_view error) {
  std::string body = "<h1>Sign in</h1>";
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
  body +=
      "<form class=\"login\" method=\"post\" action=\"/console/login\">"
      "<input type=\"hidden\" name=\"login_token\" value=\"" + html_escape(login_token) + "\">"
      "<label>User <input name=\"user\" id=\"user\" autocomplete=\"username\" required></label>"
      "<label>Password <input type=\"password\" name=\"password\" id=\"password\" "
      "autocomplete=\"current-password\" required></label>"
      "<button type=\"submit\" id=\"signin\">Sign in</button></form>";
  return console_layout("Sign in", "", "", body);
}

std::string console_identities_page(const std::vector<console_identity_row>& rows, std::string_view user,
                                    std::string_view csrf_token) {
  std::string body = "<h1>Identities</h1>";
  if (rows.empty()) {
    body += "<p>No identity is declared (policy.d).</p>";
    return console_layout("Identities", user, csrf_token, body);
  }
  body +=
      "<table class=\"identities\"><thead><tr><th>Identity</th><th>MAIL FROM domain</th><th>State</th>"
      "<th>Since</th><th>Last check</th><th>SPF</th></tr></thead><tbody>";
  for (const auto& r : rows) {
    body += "<tr><td><a href=\"" + html_escape(console_identity_url(r.identity)) + "\">" + html_escape(r.identity) +
            "</a></td><td>" + or_dash(r.mail_from_domain) + "</td><td>" + state_badge(r.state) + "</td><td>" +
            or_dash(r.since) + "</td><td>" + or_dash(r.last_check) + "</td><td>" + or_dash(r.spf) + "</td></tr>";
  }
  body += "</tbody></table>";
  return console_layout("Identities", user, csrf_token, body);
}

std::string console_identity_page_html(const console_identity_page& page, std::string_view user,
                                       std::string_view csrf_token) {
  const console_identity_row& r = page.row;
  const std::string url = html_escape(console_identity_url(r.identity));
  std::string body = "<p><a href=\"/console/\">&larr; Identities</a></p><h1>" + html_escape(r.identity) + "</h1>";
  if (!page.notice.empty()) body += "<p class=\"notice\" role=\"status\">" + html_escape(page.notice) + "</p>";

  body += "<section><h2>Custom MAIL FROM domain</h2><dl class=\"mail-from\">";
  body += "<dt>MAIL FROM domain</dt><dd id=\"mail-from-domain\">" +
          (r.mail_from_domain.empty() ? "none (uses " + html_escape(page.default_mail_from_domain) + ")"
                                      : html_escape(r.mail_from_domain)) +
          "</dd>";
  body += "<dt>State</dt><dd id=\"state\">" + state_badge(r.state) + "</dd>";
  body += "<dt>Behavior on MX failure</dt><dd id=\"behavior\">" + html_escape(r.behavior) + "</dd>";
  body += "<dt>Since</dt><dd>" + or_dash(r.since) + "</dd>";
  body += "<dt>Last check</dt><dd>" + or_dash(r.last_check) + "</dd>";
  body += "<dt>SPF</dt><dd>" + or_dash(r.spf) + "</dd>";
  body += "<dt>Reason</dt><dd>" + or_dash(r.reason) + "</dd></dl>";
  if (!r.mail_from_domain.empty()) {
    body += "<form method=\"post\" action=\"" + url + "/check\">" + csrf_field(csrf_token) +
            "<button type=\"submit\" id=\"check-now\">Check now</button></form>";
  }
  body += "</section>";

  if (!page.records.empty()) {
    body +=
        "<section><h2>Records to publish</h2><table class=\"records\" id=\"records\"><thead><tr><th>Type</th>"
        "<th>Name</th><th>Value</th></tr></thead><tbody>";
    for (const auto& rec : page.records) {
      body += "<tr><td>" + html_escape(rec.type) + "</td><td><code>" + html_escape(rec.name) +
              "</code> <button type=\"button\" class=\"copy\" hidden data-copy=\"" + html_escape(rec.name) +
              "\">Copy</button></td><td><code>" + html_escape(rec.value) +
              "</code> <button type=\"button\" class=\"copy\" hidden data-copy=\"" + html_escape(rec.value) +
              "\">Copy</button></td></tr>";
    }
    body += "</tbody></table><p class=\"downloads\"><a id=\"download-csv\" href=\"" + url +
            "/records.csv\" download>Download .csv record set</a> <a id=\"download-zone\" href=\"" + url +
            "/records.zone\" download>Download zone file</a></p></section>";
  }

  body += "<section><h2>Set MAIL FROM domain</h2>";
  if (!page.errors.empty()) {
    body += "<ul class=\"error\" id=\"errors\" role=\"alert\">";
    for (const auto& e : page.errors) body += "<li>" + html_escape(e) + "</li>";
    body += "</ul>";
  }
  body += "<form method=\"post\" action=\"" + url + "/mail-from\">" + csrf_field(csrf_token) +
          "<label>MAIL FROM domain <input name=\"mail_from_domain\" id=\"mail-from-input\" value=\"" +
          html_escape(page.form_mail_from) + "\" placeholder=\"bounce." + html_escape(r.identity) +
          "\"></label><label>Behavior on MX failure <select name=\"behavior\" id=\"behavior-select\">";
  for (std::string_view b : {"USE_DEFAULT_VALUE", "REJECT_MESSAGE"}) {
    body += "<option value=\"" + std::string(b) + "\"" + (r.behavior == b ? " selected" : "") + ">" + std::string(b) +
            "</option>";
  }
  body += "</select></label><button type=\"submit\" id=\"save\">Save</button> "
          "<button type=\"submit\" name=\"clear\" value=\"1\" id=\"clear\">Clear MAIL FROM domain</button>"
          "</form></section>";

  body += "<section><h2>History</h2>";
  if (page.history.empty()) {
    body += "<p>No transition recorded yet.</p>";
  } else {
    body +=
        "<table class=\"history\" id=\"history\"><thead><tr><th>At</th><th>From</th><th>To</th><th>Reason</th>"
        "<th>DNS evidence</th></tr></thead><tbody>";
    for (const auto& t : page.history) {
      body += "<tr><td>" + or_dash(t.at) + "</td><td>" + or_dash(t.from) + "</td><td>" + html_escape(t.to) +
              "</td><td>" + or_dash(t.reason) + "</td><td><pre>" + html_escape(t.evidence) + "</pre></td></tr>";
    }
    body += "</tbody></table>";
  }
  body += "</section>";
  return console_layout(r.identity, user, csrf_token, body);
}

std::string console_message_page(std::string_view title, std::string_view message) {
  return console_layout(title, "", "",
                        "<h1>" + html_escape(title) + "</h1><p>" + html_escape(message) +
                            "</p><p><a href=\"/console/\">Identities</a></p>");
}

std::string_view console_stylesheet() {
  return R"css(body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#16191f;background:#f2f3f3}
header{display:flex;justify-content:space-between;align-items:center;background:#232f3e;color:#fff;padding:.6em 1.2em}
header a.home{color:#fff;font-weight:600;text-decoration:none}
header form{margin:0}header span{margin-right:.5em}
main{max-width:70em;margin:1.2em auto;padding:0 1.2em}
section{background:#fff;border:1px solid #d5dbdb;border-radius:4px;padding:.4em 1.2em 1em;margin-bottom:1.2em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #eaeded;vertical-align:top}
code,pre{font:13px/1.4 ui-monospace,monospace;word-break:break-all;white-space:pre-wrap}
pre{margin:0;max-height:12em;overflow:auto}
dl.mail-from{display:grid;grid-template-columns:max-content auto;gap:.3em 1.2em}dd{margin:0}
.state{padding:.1em .5em;border-radius:1em;background:#eaeded}
.state.Success{background:#d1f0d8}.state.Pending{background:#fdf0c6}
.state.Failed{background:#fbd8d4}.state.TemporaryFailure{background:#fde2c6}
.error{color:#b0261b}.notice{color:#1d6b2f}
label{display:block;margin:.5em 0}input,select{font:inherit;margin-left:.4em}
form.login{max-width:22em}button{font:inherit;cursor:pointer}
)css";
}

std::string_view console_copy_script() {
  return R"js(document.querySelectorAll('button.copy').forEach(function (b) {
  if (!navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener('click', function () {
    navigator.clipboard.writeText(b.dataset.copy).then(function () { b.textContent = 'Copied'; });
  });
});
)js";
}

}  // namespace mfrelay::relay
