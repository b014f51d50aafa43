// The main-file half of config_loader.hpp: conf/mfrelay.toml.
#include "relay/config/config_loader.hpp"

#include <algorithm>
#include <fstream>

#include "policy/ascii.hpp"
#include "policy/domain_name.hpp"
#include "policy/email_address.hpp"
#include "policy/identity.hpp"
#include "policy/ip_network.hpp"
#include "policy/region.hpp"
#include "relay/auth/password_hash.hpp"
#include "relay/common/http_url.hpp"
#include "relay/common/idna.hpp"
#include "relay/config/toml_section.hpp"
#include "relay/config/toml_text_guard.hpp"

namespace mfrelay::relay {
namespace {

namespace fs = std::filesystem;
using policy::config;
using policy::config_error;

// Empty means "the default" for the optional domain keys.
std::string check_domain(std::string_view text) {
  if (text.empty()) return {};
  std::string why = policy::hostname_error(policy::normalize_domain(text));
  return why.empty() ? why : "'" + std::string(text) + "' is not a valid hostname: " + why;
}

// For keys whose empty value would mean nothing useful (no default stands in).
std::string check_required_domain(std::string_view text) {
  return text.empty() ? "'' is not a valid hostname: it is empty" : check_domain(text);
}

std::string check_host_name(std::string_view text) {
  std::string why = policy::hostname_error(policy::normalize_domain(text), true);
  return why.empty() ? why : "'" + std::string(text) + "' is not a valid hostname: " + why;
}

std::string check_password_hash(std::string_view text) {
  std::string why = password_hash_error(text);
  return why.empty() ? why : "is not a usable hash: " + why;
}

std::string check_path(std::string_view text) { return text.empty() ? "must not be empty" : ""; }

// Relative paths resolve against the folder of the main file.
std::string resolve(const fs::path& base, const std::string& path) {
  if (path.empty() || path == "-") return path;
  fs::path p(path);
  return (p.is_absolute() ? p : (base / p)).lexically_normal().string();
}

void read_relay(toml_section& s, config& cfg, policy::origin& policy_dir_where) {
  s.read("hostname", cfg.relay.hostname, check_host_name);
  s.read("region", cfg.relay.region, policy::region_error);
  s.read("default_mail_from_domain", cfg.relay.default_mail_from_domain, check_domain);
  s.read("state_dir", cfg.relay.state_dir, check_path);
  s.read("policy_dir", cfg.relay.policy_dir, check_path);
  policy_dir_where = s.where("policy_dir");
  s.read("drain_timeout", cfg.relay.drain_timeout);
  s.read("threads", cfg.relay.threads, 0);
  if (cfg.relay.threads > 256) s.error("threads", "must be at most 256");
}

// A list of CIDR networks ([[user]] networks, [[listener]] proxy_networks).
void read_networks(toml_section& s, const char* key, std::vector<policy::ip_network>& out) {
  std::vector<std::string> texts;
  s.read(key, texts);
  for (const auto& text : texts) {
    auto net = policy::parse_ip_network(text);
    if (!net) {
      s.error(key, "'" + text + "' is not an IP network (like 127.0.0.0/8 or ::1/128; host bits must be zero)");
      continue;
    }
    out.push_back(std::move(*net));
  }
}

void read_listener(toml_section& s, config& cfg) {
  policy::listener_settings l;
  l.where = s.where();
  s.read("name", l.name, nullptr, true);
  s.read("address", l.address, true, true);
  s.read_choice("tls", l.tls,
                {{"starttls", policy::tls_mode::starttls}, {"implicit", policy::tls_mode::implicit},
                 {"none", policy::tls_mode::none}});
  s.read_choice("auth", l.auth, {{"password", policy::auth_mode::password}, {"network", policy::auth_mode::network}});
  s.read_choice("role", l.role,
                {{"submission", policy::listener_role::submission}, {"feedback", policy::listener_role::feedback}});
  // Feedback comes from any mail server on the Internet: nobody authenticates.
  if (l.role == policy::listener_role::feedback && s.has("auth"))
    s.error("auth", "a listener with role = \"feedback\" takes no auth: it accepts only addresses mfrelay issued");
  s.read("proxy_protocol", l.proxy_protocol);
  read_networks(s, "proxy_networks", l.proxy_networks);
  if (l.proxy_protocol && l.proxy_networks.empty())
    s.error("proxy_protocol", "needs proxy_networks: the load balancers allowed to send a PROXY header");
  if (!l.proxy_protocol && s.has("proxy_networks"))
    s.error("proxy_networks", "has no effect without proxy_protocol = true");
  // A missing or malformed name or address is already reported.
  if (!l.name.empty() && !l.address.host.empty()) cfg.listeners.push_back(std::move(l));
}

void read_user(toml_section& s, config& cfg) {
  policy::user u;
  u.where = s.where();
  s.read("name", u.name, nullptr, true);
  s.read("password_hash", u.password_hash, check_password_hash);
  std::vector<std::string> identities;
  read_networks(s, "networks", u.networks);
  s.read("identities", identities);
  for (const auto& text : identities) {
    if (text == "*") {
      u.identities.push_back(text);
      continue;
    }
    auto parsed = policy::parse_identity_name(text, &idna_to_ascii);
    if (!parsed.value) {
      s.error("identities", parsed.error);
      continue;
    }
    u.identities.push_back(parsed.value->name);
  }
  if (!u.name.empty()) cfg.users.push_back(std::move(u));
}

void read_limits(toml_section& s, config& cfg) {
  auto& l = cfg.limits;
  s.read("max_message_bytes", l.max_message_bytes);
  s.read("max_recipients", l.max_recipients);
  s.read_choice("bare_newline", l.bare_newline,
                {{"reject", policy::bare_newline_mode::reject}, {"normalize", policy::bare_newline_mode::normalize}});
  s.read("max_sessions", l.max_sessions);
  s.read("max_errors", l.max_errors);
  s.read("max_auth_failures", l.max_auth_failures);
  s.read("idle_timeout", l.idle_timeout);
  s.read("data_timeout", l.data_timeout);
}

void read_delivery(toml_section& s, config& cfg) {
  auto& d = cfg.delivery;
  s.read_choice("mode", d.mode, {{"smarthost", policy::delivery_mode::smarthost}, {"mx", policy::delivery_mode::mx}});
  // "host:port", or the name of a [[smarthost]] (checked once every table is read).
  if (s.has("smarthost")) {
    std::string text;
    s.read("smarthost", text);
    d.smarthost_where = s.where("smarthost");
    if (text.empty() || text.find(':') != std::string::npos) {
      s.read("smarthost", d.smarthost);  // reports a malformed address itself
    } else {
      d.smarthost_name = text;  // a smarthost name never holds ':'
    }
  }
  s.read("require_tls", d.require_tls);
  s.read("retry_schedule", d.retry_schedule);
  s.read("max_age", d.max_age);
  s.read("connections", d.connections);
  s.read("bounce_messages", d.bounce_messages);
  std::uint32_t mx_port = d.mx_port;
  s.read("mx_port", mx_port);
  if (mx_port > 65535) s.error("mx_port", "must be a port number, 1 to 65535");
  d.mx_port = static_cast<std::uint16_t>(std::min<std::uint32_t>(mx_port, 65535));
  s.read("connections_per_destination", d.connections_per_destination);
  s.read("connections_per_host", d.connections_per_host);
  s.read("messages_per_connection", d.messages_per_connection, 0);
}

// [[route]]: domain = "example.org" | "*", via = "mx" | "<smarthost name>" (the
// name is checked once every [[smarthost]] is read), require_tls optional.
void read_route(toml_section& s, config& cfg) {
  policy::route_settings r;
  r.where = s.where();
  std::string domain;
  s.read("domain", domain, [](std::string_view text) -> std::string {
    if (text == "*") return "";
    auto ascii = idna_to_ascii(text);
    if (ascii.ascii.empty()) return "'" + std::string(text) + "' is not a domain name: " + ascii.error;
    return policy::hostname_error(ascii.ascii);
  }, true);
  s.read("via", r.via, [](std::string_view text) -> std::string {
    return text.empty() ? "must be \"mx\" or the name of a [[smarthost]]" : "";
  }, true);
  if (s.has("require_tls")) {
    bool require = false;
    s.read("require_tls", require);
    r.require_tls = require;
  }
  if (domain.empty() || r.via.empty()) return;
  if (domain == "*") {
    r.domain = domain;
  } else {
    auto ascii = idna_to_ascii(domain);
    if (ascii.ascii.empty()) return;
    r.domain = policy::ascii_lowered(ascii.ascii);
    if (!r.domain.empty() && r.domain.back() == '.') r.domain.pop_back();
  }
  cfg.delivery.routes.push_back(std::move(r));
}

void read_smarthost(toml_section& s, config& cfg) {
  policy::smarthost_settings h;
  h.where = s.where();
  s.read("name", h.name, [](std::string_view text) -> std::string {
    if (text.empty()) return "must not be empty";
    for (char c : text) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        return "must be letters, digits, '-' and '_' (like \"ses\")";
    }
    return text == "mx" ? "\"mx\" is reserved for direct delivery" : "";
  }, true);
  s.read("address", h.address, false, true);
  s.read_choice("tls", h.tls,
                {{"starttls", policy::tls_mode::starttls}, {"implicit", policy::tls_mode::implicit},
                 {"none", policy::tls_mode::none}});
  s.read("username", h.username);
  s.read("password", h.password);
  s.read("verify_certificate", h.verify_certificate);
  s.read("ca_file", h.ca_file);
  if (!h.name.empty() && !h.address.host.empty()) cfg.delivery.smarthosts.push_back(std::move(h));
}

void read_dns(toml_section& s, config& cfg) {
  std::vector<std::string> servers;
  s.read("servers", servers);
  for (const auto& text : servers) {
    // A bare address means port 53.
    bool has_port = text.starts_with('[') || std::count(text.begin(), text.end(), ':') == 1;
    auto parsed = has_port ? policy::parse_host_port(text) : policy::parse_host_port("[" + text + "]:53");
    if (!has_port && !parsed) parsed = policy::parse_host_port(text + ":53");
    if (!parsed || !policy::parse_ip_address(parsed->host)) {
      s.error("servers", "'" + text + "' is not an IP address with an optional port (like 127.0.0.1:5353 or [::1]:53)");
      continue;
    }
    cfg.dns.servers.push_back(std::move(*parsed));
  }
  s.read("timeout", cfg.dns.timeout);
  s.read("tries", cfg.dns.tries);
}

void read_verification(toml_section& s, config& cfg) {
  auto& v = cfg.verification;
  s.read("feedback_mx", v.feedback_mx, check_domain);
  s.read("spf_include", v.spf_include, check_required_domain);
  s.read("window", v.window);
  s.read("pending_interval", v.pending_interval);
  s.read("success_interval", v.success_interval);
  s.read("retry_interval", v.retry_interval);
  s.read("concurrency", v.concurrency);
}

void read_dmarc(toml_section& s, config& cfg) {
  auto& d = cfg.dmarc;
  d.list_given = s.has("public_suffix_list");
  d.list_where = s.where("public_suffix_list");
  s.read("public_suffix_list", d.public_suffix_list, check_path);
  s.read("interval", d.interval);
}

void read_dkim(toml_section& s, config& cfg) {
  // A host name: <token>.<cname_target> names the keys in the operator's zone.
  s.read("cname_target", cfg.dkim.cname_target, check_domain);
  cfg.dkim.cname_target = policy::normalize_domain(cfg.dkim.cname_target);
}

void read_events(toml_section& s, config& cfg) {
  auto& e = cfg.events;
  s.read("file", e.file, check_path);
  s.read("max_file_bytes", e.max_file_bytes, 0);
  s.read("keep_files", e.keep_files);
  s.read("syslog", e.syslog, [](std::string_view text) -> std::string {
    if (text.empty() || text == "local") return {};
    if (text.starts_with("udp:") && policy::parse_host_port(text.substr(4))) return {};
    return "must be \"local\" (the /dev/log socket) or \"udp:HOST:PORT\"";
  });
}

void read_admin(toml_section& s, config& cfg, const std::string& file, std::vector<config_error>& errors) {
  auto& a = cfg.admin;
  s.read("enabled", a.enabled);
  s.read("address", a.address, true);
  s.read("allowed_hosts", a.allowed_hosts);
  s.read("max_body_bytes", a.max_body_bytes, 1024);
  s.read("max_connections", a.max_connections);
  s.read("max_connections_per_client", a.max_connections_per_client);
  s.read("header_timeout", a.header_timeout);
  s.read("idle_timeout", a.idle_timeout);
  if (a.max_connections_per_client > a.max_connections)
    s.error("max_connections_per_client", "must not be larger than max_connections (" +
                                              std::to_string(a.max_connections) + ")");
  if (const toml::array* keys = s.tables("key")) {
    for (const auto& node : *keys) {
      toml_section k(*node.as_table(), "[[admin.key]]", file, errors);
      policy::admin_key key;
      key.where = k.where();
      k.read("access_key_id", key.access_key_id, [](std::string_view text) -> std::string {
        for (char c : text) {
          if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return "must be letters and digits (like AKIAIOSFODNN7EXAMPLE)";
        }
        return text.size() < 16 ? "must be at least 16 characters" : "";
      }, true);
      k.read("secret_access_key", key.secret_access_key, [](std::string_view text) -> std::string {
        return text.size() < 16 ? "must be at least 16 characters" : "";
      }, true);
      k.finish();
      if (!key.access_key_id.empty() && !key.secret_access_key.empty()) a.keys.push_back(std::move(key));
    }
  }
  if (const toml::array* users = s.tables("user")) {
    for (const auto& node : *users) {
      toml_section u(*node.as_table(), "[[admin.user]]", file, errors);
      policy::admin_user user;
      user.where = u.where();
      u.read("name", user.name, [](std::string_view text) -> std::string {
        if (text.empty() || text.size() > 64) return "must be 1 to 64 characters";
        for (char c : text) {
          if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return "must not contain spaces or control characters";
        }
        return "";
      }, true);
      u.read("password_hash", user.password_hash, check_password_hash, true);
      u.finish();
      if (!user.name.empty() && !user.password_hash.empty()) a.users.push_back(std::move(user));
    }
  }
}

void read_notifications(toml_section& s, config& cfg) {
  auto& n = cfg.notifications;
  s.read("email", n.email, [](std::string_view text) -> std::string {
    return text.empty() || policy::parse_email_address(text) ? "" : "is not an email address";
  });
  s.read("from", n.from, [](std::string_view text) -> std::string {
    return text.empty() || policy::parse_email_address(text) ? "" : "is not an email address";
  });
  s.read("webhook", n.webhook, [](std::string_view text) -> std::string {
    std::string why;
    if (text.empty() || parse_http_url(text, why)) return {};
    return why + " (like http://127.0.0.1:9000/mfrelay)";
  });
}

void read_quota(toml_section& s, config& cfg) {
  s.read("max_send_rate", cfg.quota.max_send_rate, 0);
  s.read("max_24_hour_send", cfg.quota.max_24_hour_send, 0);
}

// A libpq URI (postgresql://, postgres://) or a key=value connection string.
std::string check_store_url(std::string_view text) {
  if (text.empty()) return "must not be empty";
  if (text.starts_with("postgresql://") || text.starts_with("postgres://")) return {};
  if (text.find('=') != std::string_view::npos && text.find("://") == std::string_view::npos) return {};
  return "must be a PostgreSQL URI (\"postgresql://user@host:port/database\") or a libpq connection string "
         "(\"host=... dbname=...\")";
}

void read_store(toml_section& s, config& cfg) {
  s.read_choice("kind", cfg.store.kind,
                {{"sqlite", policy::store_kind::sqlite}, {"postgresql", policy::store_kind::postgresql}});
  s.read("url", cfg.store.url, check_store_url);
  if (cfg.store.kind == policy::store_kind::postgresql && !s.has("url"))
    s.error("kind", "is \"postgresql\" but [store] has no url (the database to use)");
  if (cfg.store.kind == policy::store_kind::sqlite && s.has("url"))
    s.error("url", "is set but kind is \"sqlite\" (set kind = \"postgresql\" to use it)");
}

void read_feedback(toml_section& s, config& cfg) {
  s.read("retention", cfg.feedback.retention);
  s.read("accept_default_domain", cfg.feedback.accept_default_domain);
  if (!s.has("suppress")) return;
  std::vector<std::string> reasons;
  s.read("suppress", reasons);
  for (const auto& r : reasons) {
    if (r != "BOUNCE" && r != "COMPLAINT") {
      s.error("suppress", "holds \"" + r + "\"; the reasons are \"BOUNCE\" and \"COMPLAINT\"");
      return;
    }
  }
  cfg.feedback.suppress = std::move(reasons);
}

// Reads the table under `key` (when present) with `read`, then reports unknown keys.
template <class Read>
void section(toml_section& top, std::string_view key, const std::string& file, std::vector<config_error>& errors,
             config& cfg, Read read) {
  if (const toml::table* table = top.table(key)) {
    toml_section s(*table, "[" + std::string(key) + "]", file, errors);
    read(s, cfg);
    s.finish();
  }
}

template <class Read>
void sections(toml_section& top, std::string_view key, const std::string& file, std::vector<config_error>& errors,
              config& cfg, Read read) {
  if (const toml::array* tables = top.tables(key)) {
    for (const auto& node : *tables) {
      toml_section s(*node.as_table(), "[[" + std::string(key) + "]]", file, errors);
      read(s, cfg);
      s.finish();
    }
  }
}

}  // namespace

namespace {

// load_config's body; `policy` null: policy_dir's files.
config_load_result load(const fs::path& main_file, const std::vector<policy_text>* policy) {
  config_load_result result;
  config& cfg = result.config;
  auto& errors = result.errors;
  const std::string file = main_file.string();
  cfg.main_file = file;

  std::string text;
  if (!read_text_file(main_file, text, errors) || !toml_text_supported(text, file, errors)) return result;
  toml::parse_result parsed = toml::parse(text, file);
  if (!parsed) {
    errors.push_back({to_origin(parsed.error().source(), file), std::string(parsed.error().description())});
    return result;
  }

  toml_section top(parsed.table(), "config", file, errors);
  policy::origin policy_dir_where{file, 1, 1};
  section(top, "relay", file, errors, cfg,
          [&](toml_section& s, config& c) { read_relay(s, c, policy_dir_where); });
  sections(top, "listener", file, errors, cfg, read_listener);
  section(top, "tls", file, errors, cfg, [](toml_section& s, config& c) {
    s.read("certificate", c.tls.certificate);
    s.read("private_key", c.tls.private_key);
  });
  sections(top, "user", file, errors, cfg, read_user);
  section(top, "limits", file, errors, cfg, read_limits);
  section(top, "delivery", file, errors, cfg, read_delivery);
  sections(top, "smarthost", file, errors, cfg, read_smarthost);
  sections(top, "route", file, errors, cfg, read_route);
  section(top, "dns", file, errors, cfg, read_dns);
  section(top, "verification", file, errors, cfg, read_verification);
  section(top, "dkim", file, errors, cfg, read_dkim);
  section(top, "dmarc", file, errors, cfg, read_dmarc);
  section(top, "events", file, errors, cfg, read_events);
  section(top, "admin", file, errors, cfg, [&](toml_section& s, config& c) { read_admin(s, c, file, errors); });
  section(top, "notifications", file, errors, cfg, read_notifications);
  section(top, "quota", file, errors, cfg, read_quota);
  section(top, "feedback", file, errors, cfg, read_feedback);
  section(top, "store", file, errors, cfg, read_store);
  top.finish();

  // Absolute, so the paths stay right whatever the working directory later is.
  std::error_code cwd_error;
  const fs::path base = fs::absolute(main_file, cwd_error).parent_path();
  cfg.relay.state_dir = resolve(base, cfg.relay.state_dir);
  cfg.relay.policy_dir = resolve(base, cfg.relay.policy_dir);
  cfg.tls.certificate = resolve(base, cfg.tls.certificate);
  cfg.tls.private_key = resolve(base, cfg.tls.private_key);
  cfg.events.file = resolve(base, cfg.events.file);
  cfg.dmarc.public_suffix_list = resolve(base, cfg.dmarc.public_suffix_list);
  if (cfg.dmarc.list_given) {
    // Readable now, or the DMARC verdicts could never be given: say so here,
    // not in the log of a daemon that started anyway.
    std::ifstream list(cfg.dmarc.public_suffix_list);
    std::error_code is_file_error;
    if (!list || !fs::is_regular_file(cfg.dmarc.public_suffix_list, is_file_error))
      errors.push_back({cfg.dmarc.list_where, "[dmarc] public_suffix_list: '" + cfg.dmarc.public_suffix_list +
                                                  "' is not a readable file (Debian's publicsuffix package installs "
                                                  "/usr/share/publicsuffix/public_suffix_list.dat)"});
  }
  for (auto& h : cfg.delivery.smarthosts) {
    if (h.ca_file.empty()) continue;
    h.ca_file = resolve(base, h.ca_file);
    std::error_code exists_error;
    if (!fs::is_regular_file(h.ca_file, exists_error))
      errors.push_back({h.where, "smarthost '" + h.name + "': ca_file '" + h.ca_file + "' is not a readable file"});
  }

  std::error_code ec;
  if (policy) {
    for (const auto& t : *policy)
      load_policy_text(t.text, (fs::path(cfg.relay.policy_dir) / t.name).string(), cfg.identities, errors);
  } else if (!fs::is_directory(cfg.relay.policy_dir, ec)) {
    errors.push_back({policy_dir_where, "[relay] policy_dir: '" + cfg.relay.policy_dir + "' is not a directory"});
  } else {
    load_policy_dir(cfg.relay.policy_dir, cfg.identities, errors);
  }
  // Cross-entry rules only make sense once every entry parsed.
  if (errors.empty()) {
    for (auto& e : policy::validate_config(cfg)) errors.push_back(std::move(e));
  }
  return result;
}

}  // namespace

config_load_result load_config(const fs::path& main_file) { return load(main_file, nullptr); }

config_load_result load_config(const fs::path& main_file, const std::vector<policy_text>& policy) {
  return load(main_file, &policy);
}

}  // namespace mfrelay::relay
