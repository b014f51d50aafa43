// Loading conf/mfrelay.toml and policy.d/*.toml: the values a sample-like
// configuration yields, and for each kind of mistake the exact
// `file:line:col: message` that `mfrelay check` prints. Files are written to a
// fresh temporary directory per test.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "policy/config.hpp"
#include "policy/ip_network.hpp"
#include "relay/config/config_loader.hpp"
#include "relay/config/toml_section.hpp"
#include "config_dir.hpp"

namespace mfrelay::relay {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::config_dir;

// A hash of "password" (1000 iterations) in passlib's form.
constexpr std::string_view good_hash =
    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$JeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c";

struct loaded {
  config_load_result result;
  std::string errors;  // shortened, one per line
};

loaded load_main(const config_dir& dir, std::string_view text) {
  loaded out{load_config(dir.write("mfrelay.toml", text)), {}};
  out.errors = dir.errors(out.result.errors);
  return out;
}

// A valid configuration with one listener; tests append the section under test.
constexpr std::string_view minimal = R"([[listener]]
name = "local"
address = "127.0.0.1:2525"
tls = "none"
auth = "network"

[[user]]
name = "apps"
networks = ["127.0.0.0/8"]
identities = ["*"]
)";

constexpr std::string_view sample_main = R"(# like conf/mfrelay.toml
[relay]
hostname = "relay.example.net"
region = "eu-west-1"
state_dir = "../var"
policy_dir = "policy.d"

[[listener]]
name = "submission"
address = "127.0.0.1:2587"
tls = "starttls"
auth = "password"

[[listener]]
name = "submissions"
address = "[::1]:2465"
tls = "implicit"
auth = "password"

[[listener]]
name = "local"
address = "0.0.0.0:0"
tls = "none"
auth = "network"

[tls]
certificate = "tls/cert.pem"
private_key = "/etc/mfrelay/key.pem"

[[user]]
name = "app1"
password_hash = "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$JeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c"
identities = ["Example.COM.", "Billing@Example.COM"]

[[user]]
name = "local-apps"
networks = ["127.0.0.0/8", "::1/128", "10.1.2.3"]
identities = ["*"]

[limits]
max_message_bytes = 10485760
max_recipients = 20
bare_newline = "normalize"
idle_timeout = "90s"
data_timeout = "1h30m"

[delivery]
mode = "smarthost"
smarthost = "[::1]:10026"
require_tls = true
retry_schedule = ["1m", "10m", "1h"]
max_age = "3d"
connections = 4

[dns]
servers = ["127.0.0.1:5353", "::1", "192.0.2.53", "[2001:db8::53]:5300", "2001:db8::1"]
timeout = "500ms"
tries = 3

[verification]
feedback_mx = "Feedback.Example.NET."
spf_include = "spf.example.net"
window = "72h"
pending_interval = "5m"
success_interval = "1h"
retry_interval = "30s"
concurrency = 8

[events]
file = "-"

[admin]
address = "127.0.0.1:0"
)";

constexpr std::string_view sample_policy = R"(# identities
[[identity]]
name = "Example.COM"
mail_from_domain = "Mail.Example.COM."
behavior_on_mx_failure = "UseDefaultValue"

[[identity]]
name = "Billing@Example.COM"
mail_from_domain = "bounce.example.com"
behavior_on_mx_failure = "RejectMessage"

[[identity]]
name = "plain.example.org"
)";

TEST_CASE("a sample-like configuration loads with every value as written") {
  config_dir dir;
  dir.write("policy.d/example.toml", sample_policy);
  auto [result, errors] = load_main(dir, sample_main);
  REQUIRE(errors == "");
  const policy::config& cfg = result.config;
  const fs::path base = dir.path();

  CHECK(cfg.main_file == (base / "mfrelay.toml").string());
  CHECK(cfg.relay.hostname == "relay.example.net");
  CHECK(cfg.relay.region == "eu-west-1");
  CHECK(cfg.default_mail_from_domain() == "eu-west-1.amazonses.com");

  REQUIRE(cfg.listeners.size() == 3);
  CHECK(cfg.listeners[0].name == "submission");
  CHECK(cfg.listeners[0].address.host == "127.0.0.1");
  CHECK(cfg.listeners[0].address.port == 2587);
  CHECK(cfg.listeners[0].tls == policy::tls_mode::starttls);
  CHECK(cfg.listeners[0].auth == policy::auth_mode::password);
  CHECK(cfg.listeners[1].address.host == "::1");
  CHECK(cfg.listeners[1].address.port == 2465);
  CHECK(cfg.listeners[1].tls == policy::tls_mode::implicit);
  CHECK(cfg.listeners[2].address.port == 0);  // "pick a free port" is allowed for listeners
  CHECK(cfg.listeners[2].tls == policy::tls_mode::none);
  CHECK(cfg.listeners[2].auth == policy::auth_mode::network);
  CHECK(dir.shorten(to_string(cfg.listeners[1].where)) == "mfrelay.toml:14:1");

  REQUIRE(cfg.users.size() == 2);
  const policy::user& app1 = cfg.users[0];
  CHECK(app1.name == "app1");
  CHECK(app1.password_hash == good_hash);
  CHECK(app1.networks.empty());
  REQUIRE(app1.identities.size() == 2);
  CHECK(app1.identities[0] == "example.com");          // domain: lower case, no trailing dot
  CHECK(app1.identities[1] == "Billing@example.com");  // address: local part kept as written
  const policy::user& apps = cfg.users[1];
  REQUIRE(apps.networks.size() == 3);
  CHECK(apps.networks[0].contains(*policy::parse_ip_address("127.8.9.10")));
  CHECK_FALSE(apps.networks[0].contains(*policy::parse_ip_address("128.0.0.1")));
  CHECK(apps.networks[1].contains(*policy::parse_ip_address("::1")));
  CHECK_FALSE(apps.networks[1].contains(*policy::parse_ip_address("::2")));
  CHECK(apps.networks[2].contains(*policy::parse_ip_address("10.1.2.3")));
  CHECK_FALSE(apps.networks[2].contains(*policy::parse_ip_address("10.1.2.4")));
  CHECK(apps.identities == std::vector<std::string>{"*"});

  CHECK(cfg.limits.max_message_bytes == 10'485'760);
  CHECK(cfg.limits.max_recipients == 20);
  CHECK(cfg.limits.bare_newline == policy::bare_newline_mode::normalize);
  CHECK(cfg.limits.idle_timeout == 90s);
  CHECK(cfg.limits.data_timeout == 90min);

  CHECK(cfg.delivery.mode == policy::delivery_mode::smarthost);
  CHECK(cfg.delivery.smarthost.str() == "[::1]:10026");
  CHECK(cfg.delivery.require_tls);
  CHECK(cfg.delivery.retry_schedule == std::vector<policy::duration>{1min, 10min, 1h});
  CHECK(cfg.delivery.max_age == 72h);
  CHECK(cfg.delivery.connections == 4);

  REQUIRE(cfg.dns.servers.size() == 5);
  CHECK(cfg.dns.servers[0].str() == "127.0.0.1:5353");
  CHECK(cfg.dns.servers[1].str() == "[::1]:53");  // a bare address means port 53
  CHECK(cfg.dns.servers[2].str() == "192.0.2.53:53");
  CHECK(cfg.dns.servers[3].str() == "[2001:db8::53]:5300");
  CHECK(cfg.dns.servers[4].str() == "[2001:db8::1]:53");
  CHECK(cfg.dns.timeout == 500ms);
  CHECK(cfg.dns.tries == 3);

  CHECK(cfg.verification.window == 72h);
  CHECK(cfg.verification.pending_interval == 5min);
  CHECK(cfg.verification.success_interval == 1h);
  CHECK(cfg.verification.retry_interval == 30s);
  CHECK(cfg.verification.concurrency == 8);
  CHECK(cfg.verification.spf_include == "spf.example.net");
  CHECK(cfg.feedback_host() == "feedback.example.net");

  // Relative paths resolve against the main file's folder; absolute ones and
  // "-" (standard output) stay as written.
  CHECK(cfg.relay.state_dir == (base.parent_path() / "var").string());
  CHECK(cfg.relay.policy_dir == (base / "policy.d").string());
  CHECK(cfg.tls.certificate == (base / "tls" / "cert.pem").string());
  CHECK(cfg.tls.private_key == "/etc/mfrelay/key.pem");
  CHECK(cfg.events.file == "-");
  CHECK(cfg.admin.address.str() == "127.0.0.1:0");

  REQUIRE(cfg.identities.all().size() == 3);
  const policy::identity* example = cfg.identities.find("example.com");
  REQUIRE(example);
  CHECK(example->kind == policy::identity_kind::domain);
  CHECK(example->mail_from_domain == "mail.example.com");
  CHECK(example->behavior == policy::mx_failure_behavior::use_default_value);
  CHECK(dir.shorten(to_string(example->where)) == "policy.d/example.toml:2:1");
  CHECK(dir.shorten(to_string(example->mail_from_where)) == "policy.d/example.toml:4:1");
  const policy::identity* billing = cfg.identities.find("Billing@example.com");
  REQUIRE(billing);
  CHECK(billing->kind == policy::identity_kind::email_address);
  CHECK(billing->behavior == policy::mx_failure_behavior::reject_message);
  const policy::identity* plain = cfg.identities.find("plain.example.org");
  REQUIRE(plain);
  CHECK_FALSE(plain->has_mail_from());
}

TEST_CASE("keys left out keep the documented defaults") {
  config_dir dir;
  auto [result, errors] = load_main(dir, minimal);
  REQUIRE(errors == "");
  const policy::config& cfg = result.config;
  CHECK(cfg.relay.hostname == "localhost");
  CHECK(cfg.relay.drain_timeout == 30s);
  CHECK(cfg.default_mail_from_domain() == "us-west-2.amazonses.com");
  CHECK(cfg.feedback_host() == "feedback-smtp.us-west-2.amazonses.com");
  CHECK(cfg.limits.max_message_bytes == 41'943'040);
  CHECK(cfg.limits.max_recipients == 50);
  CHECK(cfg.limits.bare_newline == policy::bare_newline_mode::reject);
  CHECK(cfg.verification.window == 72h);
  CHECK(cfg.verification.spf_include == "amazonses.com");
  CHECK(cfg.dns.servers.empty());
  CHECK(cfg.delivery.smarthost.str() == "127.0.0.1:10026");
  CHECK(cfg.admin.address.str() == "127.0.0.1:8025");
  CHECK(cfg.relay.policy_dir == (dir.path() / "policy.d").string());
  CHECK(cfg.relay.state_dir == (dir.path() / "var").string());
  CHECK(cfg.events.file == (dir.path() / "var" / "log" / "events.jsonl").string());
  CHECK(cfg.identities.empty());
}

TEST_CASE("[relay] drain_timeout is a positive duration") {
  config_dir dir;
  auto [result, errors] = load_main(dir, "[relay]\ndrain_timeout = \"2m30s\"\n" + std::string(minimal));
  REQUIRE(errors == "");
  CHECK(result.config.relay.drain_timeout == 150s);
  CHECK(load_main(dir, "[relay]\ndrain_timeout = \"0s\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:2:1: [relay] drain_timeout: '0s' is not a positive duration (like \"72h\", \"5m\", \"30s\", "
        "\"250ms\")\n");
}

TEST_CASE("[[listener]] role and [feedback]: defaults, values, and a feedback listener with auth refused") {
  config_dir dir;
  auto [defaults, none] = load_main(dir, std::string(minimal));
  REQUIRE(none == "");
  CHECK(defaults.config.listeners[0].role == policy::listener_role::submission);
  CHECK(defaults.config.feedback.retention == 14 * 24h);
  CHECK_FALSE(defaults.config.feedback.accept_default_domain);
  // No auth key: a feedback listener without TLS is fine (no AUTH is ever offered there).
  auto [set, errors] = load_main(dir, std::string(minimal) +
                                          "\n[[listener]]\nname = \"mx\"\naddress = \"127.0.0.1:2526\"\n"
                                          "role = \"feedback\"\n\n[feedback]\nretention = \"3d\"\n"
                                          "accept_default_domain = true\n");
  REQUIRE(errors == "");
  CHECK(set.config.listeners[1].role == policy::listener_role::feedback);
  CHECK(set.config.feedback.retention == 72h);
  CHECK(set.config.feedback.accept_default_domain);
  CHECK(load_main(dir, std::string(minimal) +
                           "\n[[listener]]\nname = \"mx\"\naddress = \"127.0.0.1:2526\"\nrole = \"feedback\"\n"
                           "auth = \"network\"\n")
            .errors == "mfrelay.toml:16:1: [[listener]] auth: a listener with role = \"feedback\" takes no auth: it "
                       "accepts only addresses mfrelay issued\n");
  CHECK(load_main(dir, std::string(minimal) +
                           "\n[[listener]]\nname = \"mx\"\naddress = \"127.0.0.1:2526\"\nrole = \"mx\"\n")
            .errors.find("role: must be one of") != std::string::npos);
  CHECK(load_main(dir, std::string(minimal) + "\n[feedback]\nretention = \"0s\"\n").errors != "");
  CHECK(load_main(dir, std::string(minimal) + "\n[feedback]\nkeep = \"1d\"\n").errors.find("keep") !=
        std::string::npos);
}

TEST_CASE("[store]: sqlite by default; postgresql needs a url; a wrong kind or url says where") {
  config_dir dir;
  auto [defaults, none] = load_main(dir, std::string(minimal));
  REQUIRE(none == "");
  CHECK(defaults.config.store.kind == policy::store_kind::sqlite);
  CHECK(defaults.config.store.url == "");
  for (const char* url : {"postgresql://mfrelay@db.example:5432/mfrelay", "postgres://db/mfrelay",
                          "host=db.example dbname=mfrelay user=mfrelay"}) {
    auto [set, errors] =
        load_main(dir, std::string(minimal) + "\n[store]\nkind = \"postgresql\"\nurl = \"" + url + "\"\n");
    CHECK(errors == "");
    CHECK(set.config.store.kind == policy::store_kind::postgresql);
    CHECK(set.config.store.url == url);
  }
  CHECK(load_main(dir, std::string(minimal) + "\n[store]\nkind = \"mysql\"\n").errors ==
        "mfrelay.toml:13:1: [store] kind: must be one of \"sqlite\", \"postgresql\", not \"mysql\"\n");
  CHECK(load_main(dir, std::string(minimal) + "\n[store]\nkind = \"postgresql\"\n").errors ==
        "mfrelay.toml:13:1: [store] kind: is \"postgresql\" but [store] has no url (the database to use)\n");
  CHECK(load_main(dir, std::string(minimal) + "\n[store]\nkind = \"postgresql\"\nurl = \"mysql://db/x\"\n")
            .errors.find("mfrelay.toml:14:1: [store] url: must be a PostgreSQL URI") != std::string::npos);
  CHECK(load_main(dir, std::string(minimal) + "\n[store]\nurl = \"postgresql://db/x\"\n").errors ==
        "mfrelay.toml:13:1: [store] url: is set but kind is \"sqlite\" (set kind = \"postgresql\" to use it)\n");
  CHECK(load_main(dir, std::string(minimal) + "\n[store]\npassword = \"x\"\n").errors.find("password") !=
        std::string::npos);
}

TEST_CASE("[[listener]] proxy_protocol: off by default, the balancers' networks required, bad ones refused") {
  config_dir dir;
  CHECK_FALSE(load_main(dir, std::string(minimal)).result.config.listeners[0].proxy_protocol);
  const std::string listener = "\n[[listener]]\nname = \"lb\"\naddress = \"127.0.0.1:2526\"\nauth = \"network\"\n";
  auto [set, errors] = load_main(
      dir, std::string(minimal) + listener + "proxy_protocol = true\nproxy_networks = [\"10.0.0.0/8\", \"::1/128\"]\n");
  REQUIRE(errors == "");
  const policy::listener_settings& lb = set.config.listeners[1];
  CHECK(lb.proxy_protocol);
  REQUIRE(lb.proxy_networks.size() == 2);
  CHECK(lb.proxy_networks[0].contains(*policy::parse_ip_address("10.1.2.3")));
  CHECK_FALSE(lb.proxy_networks[0].contains(*policy::parse_ip_address("192.0.2.1")));
  CHECK(load_main(dir, std::string(minimal) + listener + "proxy_protocol = true\n").errors ==
        "mfrelay.toml:16:1: [[listener]] proxy_protocol: needs proxy_networks: the load balancers allowed to send a "
        "PROXY header\n");
  CHECK(load_main(dir, std::string(minimal) + listener + "proxy_networks = [\"10.0.0.0/8\"]\n")
            .errors.find("proxy_networks: has no effect without proxy_protocol = true") != std::string::npos);
  CHECK(load_main(dir, std::string(minimal) + listener + "proxy_protocol = true\nproxy_networks = [\"10.0.0.1/8\"]\n")
            .errors.find("proxy_networks: '10.0.0.1/8' is not an IP network") != std::string::npos);
}

TEST_CASE("[relay] threads: 0 (half the cores) by default, a count, and a clear error past 256") {
  config_dir dir;
  CHECK(load_main(dir, std::string(minimal)).result.config.relay.threads == 0);
  auto [set, errors] = load_main(dir, "[relay]\nthreads = 3\n" + std::string(minimal));
  REQUIRE(errors == "");
  CHECK(set.config.relay.threads == 3);
  CHECK(load_main(dir, "[relay]\nthreads = 1000\n" + std::string(minimal)).errors ==
        "mfrelay.toml:2:1: [relay] threads: must be at most 256\n");
  CHECK(load_main(dir, "[relay]\nthreads = -1\n" + std::string(minimal)).errors != "");
}

TEST_CASE("[admin] connection limits: defaults, values, and a per-client limit above the total refused") {
  config_dir dir;
  auto [defaults, none] = load_main(dir, std::string(minimal));
  REQUIRE(none == "");
  CHECK(defaults.config.admin.max_connections == 64);
  CHECK(defaults.config.admin.max_connections_per_client == 16);
  CHECK(defaults.config.admin.header_timeout == 10s);
  CHECK(defaults.config.admin.idle_timeout == 15s);
  auto [set, no_errors] = load_main(dir, std::string(minimal) +
                                             "[admin]\nmax_connections = 8\nmax_connections_per_client = 2\n"
                                             "header_timeout = \"3s\"\nidle_timeout = \"1m\"\n");
  REQUIRE(no_errors == "");
  CHECK(set.config.admin.max_connections == 8);
  CHECK(set.config.admin.max_connections_per_client == 2);
  CHECK(set.config.admin.header_timeout == 3s);
  CHECK(set.config.admin.idle_timeout == 60s);
  CHECK(load_main(dir, std::string(minimal) + "[admin]\nmax_connections = 8\nmax_connections_per_client = 9\n")
            .errors.find("[admin] max_connections_per_client: must not be larger than max_connections (8)") !=
        std::string::npos);
}

TEST_CASE("[[admin.user]]: console sign-in users, their hashes checked, names unique") {
  config_dir dir;
  const std::string ops = "[[admin.user]]\nname = \"ops\"\npassword_hash = \"" + std::string(good_hash) + "\"\n";
  auto [none, no_errors] = load_main(dir, std::string(minimal));
  REQUIRE(no_errors == "");
  CHECK(none.config.admin.users.empty());
  auto [one, ok] = load_main(dir, std::string(minimal) + ops);
  REQUIRE(ok == "");
  REQUIRE(one.config.admin.users.size() == 1);
  CHECK(one.config.admin.users[0].name == "ops");
  CHECK(one.config.admin.users[0].password_hash == good_hash);
  CHECK(load_main(dir, std::string(minimal) + ops + "\n" + ops).errors.find("[[admin.user]] 'ops' is already declared at") !=
        std::string::npos);
  CHECK(load_main(dir, std::string(minimal) + "[[admin.user]]\nname = \"ops\"\npassword_hash = \"change-me\"\n")
            .errors.find("[[admin.user]] password_hash: is not a usable hash") != std::string::npos);
  CHECK(load_main(dir, std::string(minimal) + "[[admin.user]]\nname = \"ops\"\n")
            .errors.find("[[admin.user]]") != std::string::npos);
  CHECK(load_main(dir, std::string(minimal) + "[[admin.user]]\nname = \"two words\"\npassword_hash = \"" +
                           std::string(good_hash) + "\"\n")
            .errors.find("[[admin.user]] name: must not contain spaces or control characters") != std::string::npos);
}

TEST_CASE("paths come out absolute even when the main file is named by a relative path") {
  config_dir dir;
  fs::path main = dir.write("mfrelay.toml", std::string(minimal) + "[relay]\nstate_dir = \"../var\"\n");
  fs::path relative = fs::relative(main);
  REQUIRE(relative.is_relative());
  auto result = load_config(relative);
  REQUIRE(dir.errors(result.errors) == "");
  CHECK(fs::path(result.config.relay.state_dir).is_absolute());
  CHECK(result.config.relay.state_dir == (dir.path().parent_path() / "var").string());
  CHECK(result.config.relay.policy_dir == (dir.path() / "policy.d").string());
  CHECK(result.config.main_file == relative.string());  // messages name the file as the user did
}

TEST_CASE("a value of the wrong type names the key, its position, and both types") {
  struct row {
    std::string section, expected;
  };
  const row rows[] = {
      {"[limits]\n  max_recipients = \"50\"\n",
       "mfrelay.toml:13:3: [limits] max_recipients: expected an integer, got string\n"},
      {"[limits]\nmax_message_bytes = 4.5e7\n",
       "mfrelay.toml:13:1: [limits] max_message_bytes: expected an integer, got floating-point\n"},
      {"[delivery]\nrequire_tls = \"yes\"\n",
       "mfrelay.toml:13:1: [delivery] require_tls: expected true or false, got string\n"},
      {"[relay]\nhostname = 42\n", "mfrelay.toml:13:1: [relay] hostname: expected a string, got integer\n"},
      {"[verification]\nwindow = 72\n", "mfrelay.toml:13:1: [verification] window: expected a string, got integer\n"},
      {"[dns]\nservers = \"127.0.0.1\"\n",
       "mfrelay.toml:13:1: [dns] servers: expected an array of strings, got string\n"},
      {"[dns]\nservers = [53]\n", "mfrelay.toml:13:1: [dns] servers: expected an array of strings, got array\n"},
      {"[delivery]\nretry_schedule = \"5m\"\n",
       "mfrelay.toml:13:1: [delivery] retry_schedule: expected an array of strings, got string\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.section);
    CHECK(load_main(dir, std::string(minimal) + "\n" + r.section).errors == r.expected);
  }
}

TEST_CASE("a section that is not a table is reported") {
  config_dir dir;
  CHECK(load_main(dir, "relay = \"x\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:1:1: config relay: expected a table, got string\n");
  CHECK(load_main(dir, "events = []\n" + std::string(minimal)).errors ==
        "mfrelay.toml:1:1: config events: expected a table, got array\n");
}

TEST_CASE("[listener] written as a single table is refused with a hint") {
  config_dir dir;
  CHECK(load_main(dir, "[listener]\nname = \"x\"\naddress = \"127.0.0.1:25\"\n").errors ==
        "mfrelay.toml:1:2: config listener: expected an array of tables ([[listener]]), got table\n");
}

TEST_CASE("numbers out of range are reported") {
  struct row {
    std::string section, expected;
  };
  const row rows[] = {
      {"[limits]\nmax_recipients = 0\n", "mfrelay.toml:13:1: [limits] max_recipients: must be at least 1, not 0\n"},
      {"[limits]\nmax_message_bytes = -1\n",
       "mfrelay.toml:13:1: [limits] max_message_bytes: must be at least 1, not -1\n"},
      {"[limits]\nmax_sessions = 4294967296\n", "mfrelay.toml:13:1: [limits] max_sessions: is too large\n"},
      {"[dns]\ntries = 0\n", "mfrelay.toml:13:1: [dns] tries: must be at least 1, not 0\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.section);
    CHECK(load_main(dir, std::string(minimal) + "\n" + r.section).errors == r.expected);
  }
}

TEST_CASE("an unknown key is reported in every section, at the key") {
  // Each section with its required keys, then a misspelt key on the next line.
  const std::string sections[] = {
      "[relay]\n", "[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:2526\"\n", "[tls]\n",
      "[[user]]\nname = \"u\"\n", "[limits]\n", "[delivery]\n", "[dns]\n", "[verification]\n", "[events]\n",
      "[admin]\n",
  };
  for (const auto& section : sections) {
    config_dir dir;
    CAPTURE(section);
    std::string label = section.substr(0, section.find('\n'));
    auto lines = static_cast<std::size_t>(std::count(section.begin(), section.end(), '\n'));
    auto [result, errors] = load_main(dir, std::string(minimal) + "\n" + section + "    colour = \"blue\"\n");
    CHECK(errors == "mfrelay.toml:" + std::to_string(12 + lines) + ":5: " + label + ": unknown key 'colour'\n");
  }
}

TEST_CASE("an unknown top-level key or table is reported") {
  config_dir dir;
  CHECK(load_main(dir, std::string(minimal) + "\n[relays]\nhostname = \"x\"\n").errors ==
        "mfrelay.toml:12:2: config: unknown key 'relays'\n");
  CHECK(load_main(dir, "hostname = \"x\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:1:1: config: unknown key 'hostname'\n");
}

TEST_CASE("a sub-table inside a section is an unknown key of that section") {
  config_dir dir;
  CHECK(load_main(dir, std::string(minimal) + "\n[limits.smtp]\nmax_recipients = 5\n").errors ==
        "mfrelay.toml:12:9: [limits]: unknown key 'smtp'\n");
}

TEST_CASE("a value outside its set of choices lists the choices") {
  struct row {
    std::string section, expected;
  };
  const row rows[] = {
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:2526\"\ntls = \"STARTTLS\"\n",
       "mfrelay.toml:15:1: [[listener]] tls: must be one of \"starttls\", \"implicit\", \"none\", not \"STARTTLS\"\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:2526\"\ntls = \"ssl\"\n",
       "mfrelay.toml:15:1: [[listener]] tls: must be one of \"starttls\", \"implicit\", \"none\", not \"ssl\"\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:2526\"\nauth = \"none\"\n",
       "mfrelay.toml:15:1: [[listener]] auth: must be one of \"password\", \"network\", not \"none\"\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:2526\"\nauth = true\n",
       "mfrelay.toml:15:1: [[listener]] auth: expected a string, got boolean\n"},  // reported once
      {"[limits]\nbare_newline = \"accept\"\n",
       "mfrelay.toml:13:1: [limits] bare_newline: must be one of \"reject\", \"normalize\", not \"accept\"\n"},
      {"[delivery]\nmode = \"direct\"\n",
       "mfrelay.toml:13:1: [delivery] mode: must be one of \"smarthost\", \"mx\", not \"direct\"\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.section);
    CHECK(load_main(dir, std::string(minimal) + "\n" + r.section).errors == r.expected);
  }
}

TEST_CASE("an empty string is not a choice, a duration or an address") {
  // An empty value must not silently keep the default (or drop the entry).
  struct row {
    std::string section, expected;
  };
  const row rows[] = {
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:2526\"\ntls = \"\"\n",
       "mfrelay.toml:15:1: [[listener]] tls: must be one of \"starttls\", \"implicit\", \"none\", not \"\"\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"\"\n", "mfrelay.toml:14:1: [[listener]] address: must not be empty\n"},
      {"[[listener]]\nname = \"\"\naddress = \"127.0.0.1:2526\"\n",
       "mfrelay.toml:13:1: [[listener]] name: must not be empty\n"},
      {"[[user]]\nname = \"\"\nnetworks = [\"10.0.0.0/8\"]\n", "mfrelay.toml:13:1: [[user]] name: must not be empty\n"},
      {"[verification]\nwindow = \"\"\n",
       "mfrelay.toml:13:1: [verification] window: '' is not a positive duration (like \"72h\", \"5m\", \"30s\", "
       "\"250ms\")\n"},
      {"[verification]\nspf_include = \"\"\n",
       "mfrelay.toml:13:1: [verification] spf_include: '' is not a valid hostname: it is empty\n"},
      {"[delivery]\nsmarthost = \"\"\n",
       "mfrelay.toml:13:1: [delivery] smarthost: '' is not host:port (IPv6 as [::1]:25)\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.section);
    CHECK(load_main(dir, std::string(minimal) + "\n" + r.section).errors == r.expected);
  }
}

TEST_CASE("bad single values: names, addresses, durations, networks, hashes") {
  struct row {
    std::string section, expected;
  };
  const row rows[] = {
      {"[relay]\nhostname = \"relay_1.example\"\n",
       "mfrelay.toml:13:1: [relay] hostname: 'relay_1.example' is not a valid hostname: label 'relay_1' has a "
       "character other than letters, digits and '-'\n"},
      {"[relay]\nregion = \"US West\"\n",
       "mfrelay.toml:13:1: [relay] region: region 'US West' must be lower-case letters, digits and '-' (like "
       "us-west-2)\n"},
      {"[verification]\nfeedback_mx = \"-bad.example\"\n",
       "mfrelay.toml:13:1: [verification] feedback_mx: '-bad.example' is not a valid hostname: label '-bad' starts "
       "or ends with '-'\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1\"\n",
       "mfrelay.toml:14:1: [[listener]] address: '127.0.0.1' is not host:port (IPv6 as [::1]:25)\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"::1:2525\"\n",
       "mfrelay.toml:14:1: [[listener]] address: '::1:2525' is not host:port (IPv6 as [::1]:25)\n"},
      {"[[listener]]\nname = \"x\"\naddress = \"127.0.0.1:65536\"\n",
       "mfrelay.toml:14:1: [[listener]] address: '127.0.0.1:65536' is not host:port (IPv6 as [::1]:25)\n"},
      {"[delivery]\nsmarthost = \"127.0.0.1:0\"\n",
       "mfrelay.toml:13:1: [delivery] smarthost: '127.0.0.1:0' is not host:port (IPv6 as [::1]:25)\n"},
      {"[verification]\nwindow = \"72 hours\"\n",
       "mfrelay.toml:13:1: [verification] window: '72 hours' is not a positive duration (like \"72h\", \"5m\", "
       "\"30s\", \"250ms\")\n"},
      {"[verification]\nwindow = \"0s\"\n",
       "mfrelay.toml:13:1: [verification] window: '0s' is not a positive duration (like \"72h\", \"5m\", \"30s\", "
       "\"250ms\")\n"},
      {"[delivery]\nretry_schedule = [\"1m\", \"soon\"]\n",
       "mfrelay.toml:13:1: [delivery] retry_schedule: 'soon' is not a positive duration (like \"5m\")\n"},
      {"[dns]\nservers = [\"127.0.0.1:5353\", \"dns.example:53\", \"127.0.0.1:99999\", \"300.1.1.1\"]\n",
       "mfrelay.toml:13:1: [dns] servers: 'dns.example:53' is not an IP address with an optional port (like "
       "127.0.0.1:5353 or [::1]:53)\n"
       "mfrelay.toml:13:1: [dns] servers: '127.0.0.1:99999' is not an IP address with an optional port (like "
       "127.0.0.1:5353 or [::1]:53)\n"
       "mfrelay.toml:13:1: [dns] servers: '300.1.1.1' is not an IP address with an optional port (like "
       "127.0.0.1:5353 or [::1]:53)\n"},
      {"[[user]]\nname = \"u\"\nnetworks = [\"10.0.0.1/8\", \"::1/64\", \"10.0.0.0/33\", \"localhost\"]\n",
       "mfrelay.toml:14:1: [[user]] networks: '10.0.0.1/8' is not an IP network (like 127.0.0.0/8 or ::1/128; host "
       "bits must be zero)\n"
       "mfrelay.toml:14:1: [[user]] networks: '::1/64' is not an IP network (like 127.0.0.0/8 or ::1/128; host bits "
       "must be zero)\n"
       "mfrelay.toml:14:1: [[user]] networks: '10.0.0.0/33' is not an IP network (like 127.0.0.0/8 or ::1/128; host "
       "bits must be zero)\n"
       "mfrelay.toml:14:1: [[user]] networks: 'localhost' is not an IP network (like 127.0.0.0/8 or ::1/128; host "
       "bits must be zero)\n"},
      {"[[user]]\nname = \"u\"\npassword_hash = \"$pbkdf2-sha256$...\"\n",
       "mfrelay.toml:14:1: [[user]] password_hash: is not a usable hash: it must have the form "
       "$pbkdf2-sha256$ITERATIONS$SALT$DIGEST\n"},
      {"[[user]]\nname = \"u\"\npassword_hash = \"change-me\"\n",
       "mfrelay.toml:14:1: [[user]] password_hash: is not a usable hash: it does not start with $pbkdf2-sha256$ "
       "(make one with `mfrelay hash-password`)\n"},
      {"[[user]]\nname = \"u\"\nnetworks = [\"10.0.0.0/8\"]\nidentities = [\"not an identity\"]\n",
       "mfrelay.toml:15:1: [[user]] identities: 'not an identity' is not a valid domain: label 'not an identity' "
       "has a character other than letters, digits and '-'\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.section);
    CHECK(load_main(dir, std::string(minimal) + "\n" + r.section).errors == r.expected);
  }
}

TEST_CASE("a required key that is missing is reported at its table") {
  config_dir dir;
  CHECK(load_main(dir, std::string(minimal) + "\n[[listener]]\nname = \"x\"\n").errors ==
        "mfrelay.toml:12:1: [[listener]]: 'address' is required\n");
  CHECK(load_main(dir, std::string(minimal) + "\n[[listener]]\naddress = \"127.0.0.1:2526\"\n").errors ==
        "mfrelay.toml:12:1: [[listener]]: 'name' is required\n");
  CHECK(load_main(dir, std::string(minimal) + "\n\n[[user]]\nnetworks = [\"10.0.0.0/8\"]\n").errors ==
        "mfrelay.toml:13:1: [[user]]: 'name' is required\n");
}

TEST_CASE("several mistakes are all reported, in file order") {
  config_dir dir;
  CHECK(load_main(dir, "[relay]\nregion = \"\"\ncolour = 1\n\n[limits]\nmax_recipients = true\n" + std::string(minimal))
            .errors ==
        "mfrelay.toml:2:1: [relay] region: the region is empty\n"
        "mfrelay.toml:3:1: [relay]: unknown key 'colour'\n"
        "mfrelay.toml:6:1: [limits] max_recipients: expected an integer, got boolean\n");
}

TEST_CASE("a TOML syntax error is reported at its position") {
  config_dir dir;
  // The column is toml++'s choice (here: just past the end of the line), the line is ours to pin.
  auto [result, errors] = load_main(dir, "[relay]\nhostname = \"unterminated\n" + std::string(minimal));
  REQUIRE(result.errors.size() == 1);
  CHECK(errors.starts_with("mfrelay.toml:2:"));
  CHECK(result.errors[0].where.column >= 1);
  CHECK(result.errors[0].message.find("string") != std::string::npos);

  auto duplicate = load_main(dir, "[relay]\nhostname = \"a\"\n  hostname = \"b\"\n");
  REQUIRE(duplicate.result.errors.size() == 1);
  CHECK(duplicate.errors.starts_with("mfrelay.toml:3:"));
  CHECK(duplicate.result.errors[0].message.find("hostname") != std::string::npos);
}

TEST_CASE("a main file that cannot be read is named") {
  config_dir dir;
  auto result = load_config(dir.path() / "missing.toml");
  CHECK(dir.errors(result.errors) == "missing.toml: cannot read: No such file or directory\n");
}

TEST_CASE("policy_dir must be a directory") {
  config_dir dir;
  // The message names the resolved path (shortened here to 'nope').
  CHECK(load_main(dir, "[relay]\n  policy_dir = \"nope\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:2:3: [relay] policy_dir: 'nope' is not a directory\n");
  dir.write("file.toml", "");
  CHECK(load_main(dir, "[relay]\npolicy_dir = \"file.toml\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:2:1: [relay] policy_dir: 'file.toml' is not a directory\n");
  CHECK(load_main(dir, "[relay]\npolicy_dir = \"\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:2:1: [relay] policy_dir: must not be empty\n");
  // Not written at all: the default policy.d, reported at the top of the file.
  fs::remove(dir.path() / "policy.d");
  CHECK(load_main(dir, minimal).errors == "mfrelay.toml:1:1: [relay] policy_dir: 'policy.d' is not a directory\n");
}

TEST_CASE("cross-entry rules are reported at the entry that breaks them") {
  struct row {
    std::string main, expected;
  };
  const std::string user = "[[user]]\nname = \"app1\"\npassword_hash = \"" + std::string(good_hash) +
                           "\"\nidentities = [\"*\"]\n";
  const row rows[] = {
      {"[[listener]]\nname = \"plain\"\naddress = \"127.0.0.1:2525\"\ntls = \"none\"\nauth = \"password\"\n\n" + user,
       "mfrelay.toml:1:1: listener 'plain': auth = \"password\" needs tls = \"starttls\" or \"implicit\" (AUTH is "
       "only offered under TLS)\n"},
      {"[[listener]]\nname = \"plain\"\naddress = \"127.0.0.1:2525\"\n\n" + user,  // both defaults
       "mfrelay.toml:1:1: listener 'plain': auth = \"password\" needs tls = \"starttls\" or \"implicit\" (AUTH is "
       "only offered under TLS)\n"},
      {user, "mfrelay.toml:1:1: no [[listener]] is configured: mfrelay would accept no mail\n"},
      {"[[listener]]\nname = \"a\"\naddress = \"127.0.0.1:2587\"\ntls = \"starttls\"\n\n"
       "[[listener]]\nname = \"a\"\naddress = \"127.0.0.1:2587\"\ntls = \"implicit\"\n\n" +
           user,
       "mfrelay.toml:6:1: listener name 'a' is already used at " + std::string("mfrelay.toml:1:1\n") +
           "mfrelay.toml:6:1: listener address 127.0.0.1:2587 is already used at mfrelay.toml:1:1\n"},
      {"[[listener]]\nname = \"local\"\naddress = \"127.0.0.1:2525\"\nauth = \"network\"\n\n" + user,
       "mfrelay.toml:1:1: listener 'local' uses auth = \"network\" but no [[user]] has networks\n"},
      {std::string(minimal) + "\n[[user]]\nname = \"apps\"\nnetworks = [\"10.0.0.0/8\"]\n",
       "mfrelay.toml:12:1: user 'apps' is declared twice\n"},
      {std::string(minimal) + "\n[[user]]\nname = \"nobody\"\n",
       "mfrelay.toml:12:1: user 'nobody' has neither password_hash nor networks: nobody could use it\n"},
      {std::string(minimal) +
           "\n[[user]]\nname = \"app2\"\nnetworks = [\"10.0.0.0/8\"]\nidentities = [\"Other.ORG\"]\n",
       "mfrelay.toml:12:1: user 'app2' may send as 'other.org', which is not a declared identity\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.main);
    CHECK(load_main(dir, r.main).errors == r.expected);
  }
}

TEST_CASE("cross-entry rules wait until every entry parses") {
  // The password listener without TLS is only reported once the typo is fixed.
  config_dir dir;
  CHECK(load_main(dir, "[[listener]]\nname = \"plain\"\naddress = \"127.0.0.1:2525\"\ncolour = 1\n").errors ==
        "mfrelay.toml:4:1: [[listener]]: unknown key 'colour'\n");
}

// policy.d

TEST_CASE("identity rules of policy.d are reported at the mail_from_domain key") {
  config_dir dir;
  dir.write("policy.d/a.toml",
            "[[identity]]\nname = \"example.com\"\n  mail_from_domain = \"mail.example.org\"\n\n"
            "[[identity]]\nname = \"other.com\"\nmail_from_domain = \"example.com.other.com\"\n\n"
            "[[identity]]\nname = \"example.com.other.com\"\n");
  CHECK(load_main(dir, minimal).errors ==
        "policy.d/a.toml:3:3: Provided MAIL-FROM domain mail.example.org is not subdomain of the domain of the "
        "identity example.com.\n"
        "policy.d/a.toml:7:1: MAIL FROM domain example.com.other.com is itself a sending identity (declared at "
        "policy.d/a.toml:9:1); it must be a domain that sends no mail, as it receives the feedback\n");
}

TEST_CASE("[[identity]] dkim: off by default, RSA unless ed25519 is asked, only for domains") {
  config_dir dir;
  dir.write("policy.d/a.toml",
            "[[identity]]\nname = \"plain.example\"\n\n"
            "[[identity]]\nname = \"example.com\"\ndkim = true\n\n"
            "[[identity]]\nname = \"ed.example\"\ndkim = true\ndkim_key_type = \"ed25519\"\n");
  auto got = load_main(dir, minimal);
  CHECK(got.errors == "");
  const policy::identity_table& ids = got.result.config.identities;
  CHECK_FALSE(ids.find("plain.example")->dkim);
  CHECK(ids.find("example.com")->dkim);
  CHECK(ids.find("example.com")->dkim_key_type == policy::dkim_key_kind::rsa);
  CHECK(ids.find("ed.example")->dkim_key_type == policy::dkim_key_kind::ed25519);

  config_dir bad;
  bad.write("policy.d/a.toml",
            "[[identity]]\nname = \"alerts@example.com\"\ndkim = true\n\n"
            "[[identity]]\nname = \"example.org\"\ndkim = true\ndkim_key_type = \"dsa\"\n");
  CHECK(load_main(bad, minimal).errors ==
        "policy.d/a.toml:3:1: [[identity]] dkim: Easy DKIM needs a domain identity; 'alerts@example.com' is an "
        "email address (enable DKIM on its domain's identity)\n"
        "policy.d/a.toml:8:1: [[identity]] dkim_key_type: must be one of \"rsa\", \"ed25519\", not \"dsa\"\n");
}

TEST_CASE("[[identity]] dkim_selector and dkim_private_key_file: BYODKIM, for domains, a selector is one label") {
  config_dir dir;
  dir.write("policy.d/a.toml",
            "[[identity]]\nname = \"example.com\"\ndkim = true\ndkim_selector = \"sel-2024\"\n\n"
            "[[identity]]\nname = \"ext.example\"\ndkim = true\ndkim_selector = \"s1\"\n"
            "dkim_private_key_file = \"/etc/mfrelay/keys/ext.pem\"\n");
  auto got = load_main(dir, minimal);
  CHECK(got.errors == "");
  const policy::identity_table& ids = got.result.config.identities;
  CHECK(ids.find("example.com")->dkim_selector == "sel-2024");
  CHECK(ids.find("example.com")->dkim_private_key_file.empty());
  CHECK(ids.find("ext.example")->dkim_private_key_file == "/etc/mfrelay/keys/ext.pem");

  config_dir bad;
  bad.write("policy.d/a.toml",
            "[[identity]]\nname = \"a.example\"\ndkim_selector = \"s.1\"\n\n"
            "[[identity]]\nname = \"alerts@example.com\"\ndkim_selector = \"s1\"\n\n"
            "[[identity]]\nname = \"b.example\"\ndkim_private_key_file = \"/k.pem\"\n\n"
            "[[identity]]\nname = \"c.example\"\ndkim_selector = \"-s\"\n");
  CHECK(load_main(bad, minimal).errors ==
        "policy.d/a.toml:3:1: [[identity]] dkim_selector: a DKIM selector has only letters, digits and hyphens, "
        "not '.'\n"
        "policy.d/a.toml:7:1: [[identity]] dkim_selector: BYODKIM needs a domain identity; 'alerts@example.com' is "
        "an email address\n"
        "policy.d/a.toml:11:1: [[identity]] dkim_private_key_file: a BYODKIM key needs its dkim_selector\n"
        "policy.d/a.toml:15:1: [[identity]] dkim_selector: a DKIM selector neither starts nor ends with a hyphen\n");
}

TEST_CASE("a duplicate identity across two files names where it was first declared") {
  config_dir dir;
  // Written in reverse order: files are read in name order, not directory order.
  dir.write("policy.d/b.toml", "# second\n\n[[identity]]\nname = \"Example.COM.\"\n");
  dir.write("policy.d/a.toml", "[[identity]]\nname = \"example.com\"\nmail_from_domain = \"mail.example.com\"\n");
  auto [result, errors] = load_main(dir, minimal);
  CHECK(errors == "policy.d/b.toml:3:1: identity 'example.com' is already declared at policy.d/a.toml:1:1\n");
  // The first declaration is the one kept.
  const policy::identity* kept = result.config.identities.find("example.com");
  REQUIRE(kept);
  CHECK(kept->mail_from_domain == "mail.example.com");
}

TEST_CASE("U-label and A-label spellings in policy.d are one identity, stored as A-labels") {
  config_dir dir;
  dir.write("policy.d/a.toml",
            "[[identity]]\nname = \"D\u00e9st.test\"\nmail_from_domain = \"mail.d\u00e9st.test\"\n\n"
            "[[identity]]\nname = \"\\\"billing\\\"@b\u00fccher.example\"\n\n"
            "[[identity]]\nname = \"xn--dst-bma.test\"\n");
  auto [result, errors] = load_main(dir, minimal);
  CHECK(errors == "policy.d/a.toml:8:1: identity 'xn--dst-bma.test' is already declared at policy.d/a.toml:1:1\n");
  const policy::identity* dest = result.config.identities.find("xn--dst-bma.test");
  REQUIRE(dest);
  CHECK(dest->mail_from_domain == "mail.xn--dst-bma.test");  // what DNS is asked about
  CHECK(result.config.identities.find("billing@xn--bcher-kva.example"));
}

TEST_CASE("only regular *.toml files of policy_dir are read") {
  config_dir dir;
  dir.write("policy.d/notes.txt", "this is not TOML [[[\n");
  dir.write("policy.d/old.toml.bak", "this is not TOML [[[\n");
  fs::create_directory(dir.path() / "policy.d" / "sub.toml");
  dir.write("policy.d/sub.toml/inner.toml", "[[identity]]\nname = \"inner.example\"\n");
  dir.write("policy.d/z.toml", "[[identity]]\nname = \"z.example\"\n");
  auto [result, errors] = load_main(dir, minimal);
  CHECK(errors == "");
  CHECK(result.config.identities.all().size() == 1);
  CHECK(result.config.identities.find("z.example"));
}

TEST_CASE("load_policy_text reports unknown keys, bad values and missing names") {
  struct row {
    std::string text, expected;
  };
  const row rows[] = {
      {"[[identity]]\nname = \"example.com\"\nbehavior_on_mx_failure = \"REJECT\"\n",
       "p.toml:3:1: [[identity]] behavior_on_mx_failure: must be one of \"UseDefaultValue\", \"RejectMessage\", not "
       "\"REJECT\"\n"},
      {"[[identity]]\nname = \"example.com\"\n mailfrom = \"mail.example.com\"\n",
       "p.toml:3:2: [[identity]]: unknown key 'mailfrom'\n"},
      {"[[identity]]\nmail_from_domain = \"mail.example.com\"\n", "p.toml:1:1: [[identity]]: 'name' is required\n"},
      {"[[identity]]\nname = \"\"\n", "p.toml:2:1: [[identity]] name: must not be empty\n"},
      {"[[identity]]\nname = \"exa mple.com\"\n",
       "p.toml:2:1: [[identity]] name: 'exa mple.com' is not a valid domain: label 'exa mple' has a character other "
       "than letters, digits and '-'\n"},
      {"[[identity]]\nname = \"@example.com\"\n", "p.toml:2:1: [[identity]] name: '@example.com' is not a valid email "
                                                  "address: its local part is empty\n"},
      // Names that would read as another in listings and logs.
      {"[[identity]]\nname = \"bill\u202Egnp.example.com@example.com\"\n",
       "p.toml:2:1: [[identity]] name: 'bill<U+202E>gnp.example.com@example.com' holds U+202E, a bidirectional "
       "control: a name must not hide, reorder or disguise its characters\n"},
      {"[[identity]]\nname = \"\uFEFFexample.com\"\n",
       "p.toml:2:1: [[identity]] name: '<U+FEFF>example.com' holds U+FEFF, an invisible character: a name must not "
       "hide, reorder or disguise its characters\n"},
      {"[[identity]]\nname = \"d\u00e9st.test\"\nmail_from_domain = \"m\u202Eail.d\u00e9st.test\"\n",
       "p.toml:3:1: [[identity]] mail_from_domain: MAIL FROM domain 'm\xe2\x80\xae" "ail.d\xc3\xa9st.test' is not a "
       "valid hostname: it is not a valid internationalized domain name: string contains a disallowed character\n"},
      {"[[identity]]\nname = \"com\"\n", "p.toml:2:1: [[identity]] name: 'com' is not a valid domain: it has a single "
                                         "label\n"},
      {"[[identities]]\nname = \"example.com\"\n", "p.toml:1:3: policy file: unknown key 'identities'\n"},
      {"[identity]\nname = \"example.com\"\n",
       "p.toml:1:2: policy file identity: expected an array of tables ([[identity]]), got table\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    policy::identity_table identities;
    std::vector<policy::config_error> errors;
    load_policy_text(r.text, "p.toml", identities, errors);
    std::string got;
    for (const auto& e : errors) got += to_string(e) + '\n';
    CHECK(got == r.expected);
  }
}

TEST_CASE("behavior_on_mx_failure maps to the SES behaviours, UseDefaultValue when absent") {
  policy::identity_table identities;
  std::vector<policy::config_error> errors;
  load_policy_text(
      "[[identity]]\nname = \"a.example\"\nbehavior_on_mx_failure = \"RejectMessage\"\n\n"
      "[[identity]]\nname = \"b.example\"\nbehavior_on_mx_failure = \"UseDefaultValue\"\n\n"
      "[[identity]]\nname = \"c.example\"\n",
      "p.toml", identities, errors);
  REQUIRE(errors.empty());
  CHECK(identities.find("a.example")->behavior == policy::mx_failure_behavior::reject_message);
  CHECK(identities.find("b.example")->behavior == policy::mx_failure_behavior::use_default_value);
  CHECK(identities.find("c.example")->behavior == policy::mx_failure_behavior::use_default_value);
}

TEST_CASE("a policy file's identities share one copy of its name in their origins") {
  policy::identity_table identities;
  std::vector<policy::config_error> errors;
  load_policy_text("[[identity]]\nname = \"a.example\"\nmail_from_domain = \"mail.a.example\"\n\n"
                   "[[identity]]\nname = \"b.example\"\n",
                   "/etc/mfrelay/policy.d/customers.toml", identities, errors);
  REQUIRE(errors.empty());
  const policy::identity& a = *identities.find("a.example");
  const policy::identity& b = *identities.find("b.example");
  CHECK(to_string(a.mail_from_where) == "/etc/mfrelay/policy.d/customers.toml:3:1");
  CHECK(to_string(b.where) == "/etc/mfrelay/policy.d/customers.toml:5:1");
  // One string for the whole file (10^5 identities held 2 x 10^5 copies of it).
  CHECK(&a.where.file.str() == &b.where.file.str());
  CHECK(&a.mail_from_where.file.str() == &a.where.file.str());
}

TEST_CASE("load_policy_text reports a syntax error with its position and keeps nothing") {
  policy::identity_table identities;
  std::vector<policy::config_error> errors;
  load_policy_text("[[identity]]\nname = \"a.example\"\n\n[[identity]\nname = \"b.example\"\n", "p.toml", identities,
                   errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.file == "p.toml");
  CHECK(errors[0].where.line == 4);
  CHECK(identities.empty());
}

TEST_CASE("load_policy_dir names a directory it cannot read") {
  config_dir dir;
  policy::identity_table identities;
  std::vector<policy::config_error> errors;
  load_policy_dir(dir.path() / "absent", identities, errors);
  CHECK(dir.errors(errors) == "absent: cannot read the policy directory: No such file or directory\n");
}

TEST_CASE("read_policy_dir gives the texts of the *.toml files in name order") {
  config_dir dir;
  dir.write("policy.d/b.toml", "[[identity]]\nname = \"b.example\"\n");
  dir.write("policy.d/a.toml", "# first\n");
  dir.write("policy.d/notes.txt", "not policy");
  std::vector<policy::config_error> errors;
  auto files = read_policy_dir(dir.path() / "policy.d", errors);
  CHECK(errors.empty());
  REQUIRE(files.size() == 2);
  CHECK(files[0].name == "a.toml");
  CHECK(files[0].text == "# first\n");
  CHECK(files[1].name == "b.toml");
}

TEST_CASE("load_config with a cluster's policy takes the identities from it, not from policy_dir") {
  config_dir dir;
  dir.write("policy.d/local.toml", "[[identity]]\nname = \"local.example\"\n");
  const auto main = dir.write("mfrelay.toml", minimal);
  auto result = load_config(main, {{"shared.toml", "[[identity]]\nname = \"shared.example\"\n"}});
  CHECK(dir.errors(result.errors).empty());
  CHECK(result.config.identities.find("local.example") == nullptr);
  const policy::identity* shared = result.config.identities.find("shared.example");
  REQUIRE(shared != nullptr);
  // It counts as <policy_dir>/<name>: the admin API rewrites that "file".
  CHECK(dir.shorten(shared->where.file) == "policy.d/shared.toml");

  auto bad = load_config(main, {{"shared.toml", "[[identity]]\nname = \"bad..example\"\n"}});
  CHECK(dir.errors(bad.errors).starts_with("policy.d/shared.toml:2:"));
}

// toml_section on its own

TEST_CASE("toml_section leaves a value alone when its key is absent or wrong") {
  const std::string file = "t.toml";
  auto parsed = toml::parse("count = \"x\"\nflag = true\n", file);
  REQUIRE(parsed);
  std::vector<policy::config_error> errors;
  toml_section s(parsed.table(), "[t]", file, errors);
  std::uint32_t count = 7, absent = 9;
  bool flag = false;
  policy::duration d = 5s;
  s.read("count", count);
  s.read("absent", absent);
  s.read("flag", flag);
  s.read("missing_duration", d);
  s.finish();
  CHECK(count == 7);
  CHECK(absent == 9);
  CHECK(flag);
  CHECK(d == 5s);
  REQUIRE(errors.size() == 1);
  CHECK(to_string(errors[0]) == "t.toml:1:1: [t] count: expected an integer, got string");
  CHECK(to_string(s.where("flag")) == "t.toml:2:1");
  CHECK(to_string(s.where("absent")) == to_string(s.where()));
}

TEST_CASE("toml_section's minimum is the caller's") {
  const std::string file = "t.toml";
  auto parsed = toml::parse("zero = 0\nfive = 5\n", file);
  REQUIRE(parsed);
  std::vector<policy::config_error> errors;
  toml_section s(parsed.table(), "[t]", file, errors);
  std::uint32_t zero = 1, five = 1;
  s.read("zero", zero, 0);
  s.read("five", five, 6);
  CHECK(zero == 0);
  CHECK(five == 1);
  REQUIRE(errors.size() == 1);
  CHECK(to_string(errors[0]) == "t.toml:2:1: [t] five: must be at least 6, not 5");
}

TEST_CASE("[[smarthost]]: TLS mode, credentials, verification, ca_file; [delivery] smarthost names one") {
  config_dir dir;
  dir.write("ca.pem", "not checked here\n");
  auto [result, errors] = load_main(dir, std::string(minimal) + R"(
[delivery]
smarthost = "ses"

[[smarthost]]
name = "ses"
address = "email-smtp.example.net:465"
tls = "implicit"
username = "AKIAEXAMPLE"
password = "secret"
ca_file = "ca.pem"

[[smarthost]]
name = "partner"
address = "127.0.0.1:2526"
tls = "none"
verify_certificate = false
)");
  REQUIRE(errors == "");
  const auto& d = result.config.delivery;
  REQUIRE(d.smarthosts.size() == 2);
  policy::smarthost_settings ses = d.default_smarthost();
  CHECK(ses.name == "ses");
  CHECK(ses.address.str() == "email-smtp.example.net:465");
  CHECK(ses.tls == policy::tls_mode::implicit);
  CHECK(ses.username == "AKIAEXAMPLE");
  CHECK(ses.password == "secret");
  CHECK(ses.verify_certificate);  // the default for a [[smarthost]]
  CHECK(ses.ca_file == (dir.path() / "ca.pem").string());
  CHECK(d.smarthosts[1].tls == policy::tls_mode::none);
  CHECK_FALSE(d.smarthosts[1].verify_certificate);

  // host:port keeps today's meaning: opportunistic STARTTLS, nothing verified, no AUTH.
  auto [plain, plain_errors] = load_main(dir, std::string(minimal) + "[delivery]\nsmarthost = \"127.0.0.1:2525\"\n");
  REQUIRE(plain_errors == "");
  policy::smarthost_settings h = plain.config.delivery.default_smarthost();
  CHECK(h.address.str() == "127.0.0.1:2525");
  CHECK(h.tls == policy::tls_mode::starttls);
  CHECK_FALSE(h.verify_certificate);
  CHECK(h.username.empty());
}

TEST_CASE("[[smarthost]] mistakes are reported at the entry, with the file and line") {
  struct row {
    std::string extra, expected;
  };
  const row rows[] = {
      {"[delivery]\nsmarthost = \"nowhere\"\n",
       "mfrelay.toml:13:1: [delivery] smarthost: 'nowhere' is neither host:port nor the name of a [[smarthost]]\n"},
      {"[[smarthost]]\nname = \"a\"\naddress = \"127.0.0.1:25\"\ntls = \"none\"\nusername = \"u\"\npassword = \"p\"\n",
       "mfrelay.toml:12:1: smarthost 'a': credentials need tls = \"starttls\" or \"implicit\" (they are never sent in "
       "clear)\n"},
      {"[[smarthost]]\nname = \"a\"\naddress = \"127.0.0.1:25\"\nusername = \"u\"\n",
       "mfrelay.toml:12:1: smarthost 'a': username without password\n"},
      {"[[smarthost]]\nname = \"a\"\naddress = \"127.0.0.1:25\"\n\n[[smarthost]]\nname = \"a\"\naddress = "
       "\"127.0.0.1:26\"\n",
       "mfrelay.toml:16:1: smarthost name 'a' is already used at mfrelay.toml:12:1\n"},
      {"[[smarthost]]\nname = \"a\"\naddress = \"127.0.0.1:25\"\nca_file = \"missing.pem\"\n",
       "mfrelay.toml:12:1: smarthost 'a': ca_file 'missing.pem' is not a readable file\n"},
      {"[[smarthost]]\nname = \"a\"\naddress = \"127.0.0.1:25\"\ntls = \"sometimes\"\n",
       "mfrelay.toml:15:1: [[smarthost]] tls: must be one of \"starttls\", \"implicit\", \"none\", not \"sometimes\"\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.extra);
    CHECK(load_main(dir, std::string(minimal) + "\n" + r.extra).errors == r.expected);
  }
}

TEST_CASE("[delivery] mode = \"mx\" with mx_port and connections_per_destination; [[route]] picks per domain") {
  config_dir dir;
  auto [result, errors] = load_main(dir, std::string(minimal) + R"(
[delivery]
mode = "mx"
mx_port = 2525
connections_per_destination = 3
connections_per_host = 6
messages_per_connection = 0

[[smarthost]]
name = "partner"
address = "127.0.0.1:2526"

[[route]]
domain = "Partner.Example"
via = "partner"
require_tls = true

[[route]]
domain = "*"
via = "mx"

[[route]]
domain = "direct.example"
via = "mx"
)");
  REQUIRE(errors == "");
  const auto& d = result.config.delivery;
  CHECK(d.mode == policy::delivery_mode::mx);
  CHECK(d.mx_port == 2525);
  CHECK(d.connections_per_destination == 3);
  CHECK(d.connections_per_host == 6);
  CHECK(d.messages_per_connection == 0);  // no limit
  REQUIRE(d.routes.size() == 3);
  CHECK(d.routes[0].domain == "partner.example");  // lower case
  auto partner = d.route_for("partner.example");
  CHECK_FALSE(partner.mx);
  CHECK(partner.smarthost == "partner");
  CHECK(partner.require_tls);  // the route's override
  auto direct = d.route_for("direct.example");  // an exact match beats "*", whatever the order
  CHECK(direct.mx);
  CHECK_FALSE(direct.require_tls);
  CHECK(d.route_for("other.example").mx);  // "*"

  // Without routes: [delivery] mode decides; the defaults.
  auto [plain, plain_errors] = load_main(dir, std::string(minimal));
  REQUIRE(plain_errors == "");
  CHECK(plain.config.delivery.mx_port == 25);
  CHECK(plain.config.delivery.connections_per_destination == 4);
  CHECK(plain.config.delivery.connections_per_host == 20);
  CHECK(plain.config.delivery.messages_per_connection == 100);
  CHECK_FALSE(plain.config.delivery.route_for("example.org").mx);
  CHECK(plain.config.delivery.route_for("example.org").smarthost.empty());
}

TEST_CASE("[[route]] mistakes are reported at the entry, with the file and line") {
  struct row {
    std::string extra, expected;
  };
  const row rows[] = {
      {"[[route]]\ndomain = \"example.org\"\nvia = \"nobody\"\n",
       "mfrelay.toml:12:1: route for 'example.org': via = 'nobody' is neither \"mx\" nor the name of a "
       "[[smarthost]]\n"},
      {"[[route]]\ndomain = \"*\"\nvia = \"mx\"\n\n[[route]]\ndomain = \"*\"\nvia = \"mx\"\n",
       "mfrelay.toml:16:1: route for '*' is already declared at mfrelay.toml:12:1\n"},
      {"[[route]]\ndomain = \"bad_domain..example\"\nvia = \"mx\"\n",
       "mfrelay.toml:13:1: [[route]] domain: "},
      {"[[route]]\nvia = \"mx\"\n", "mfrelay.toml:12:1: [[route]]: 'domain'"},
      {"[delivery]\nmx_port = 70000\n", "mfrelay.toml:13:1: [delivery] mx_port: must be a port number, 1 to 65535\n"},
      {"[delivery]\nconnections_per_host = 0\n",
       "mfrelay.toml:13:1: [delivery] connections_per_host: must be at least 1, not 0\n"},
      {"[delivery]\nconnections_per_host = \"8\"\n", "mfrelay.toml:13:1: [delivery] connections_per_host: "},
      {"[delivery]\nmessages_per_connection = -1\n",
       "mfrelay.toml:13:1: [delivery] messages_per_connection: must be at least 0, not -1\n"},
      {"[delivery]\nmessages_per_connection = 4294967296\n",
       "mfrelay.toml:13:1: [delivery] messages_per_connection: is too large\n"},
  };
  for (const auto& r : rows) {
    config_dir dir;
    CAPTURE(r.extra);
    std::string got = load_main(dir, std::string(minimal) + "\n" + r.extra).errors;
    CHECK(got.substr(0, r.expected.size()) == r.expected);
    CHECK_FALSE(got.empty());
  }
}

TEST_CASE("[dmarc]: the Public Suffix List path resolves against the file; set and unreadable is an error") {
  config_dir dir;
  auto [defaults, none] = load_main(dir, std::string(minimal));
  REQUIRE(none == "");
  CHECK(defaults.config.dmarc.public_suffix_list == "/usr/share/publicsuffix/public_suffix_list.dat");
  CHECK(defaults.config.dmarc.interval == 1h);

  dir.write("psl.dat", "com\n");
  auto [given, ok] = load_main(dir, "[dmarc]\npublic_suffix_list = \"psl.dat\"\ninterval = \"10m\"\n" + std::string(minimal));
  REQUIRE(ok == "");
  CHECK(given.config.dmarc.public_suffix_list == (dir.path() / "psl.dat").string());
  CHECK(given.config.dmarc.interval == 10min);

  CHECK(load_main(dir, "[dmarc]\npublic_suffix_list = \"missing.dat\"\n" + std::string(minimal)).errors ==
        "mfrelay.toml:2:1: [dmarc] public_suffix_list: 'missing.dat' is not a readable file (Debian's publicsuffix "
        "package installs /usr/share/publicsuffix/public_suffix_list.dat)\n");
}

}  // namespace
}  // namespace mfrelay::relay

namespace mfrelay::relay {
namespace {

TEST_CASE("[dkim] cname_target: off by default, a zone normalized, a bad value refused with its line") {
  test::config_dir dir;
  auto [result, errors] = load_main(dir, std::string(minimal));
  REQUIRE(errors == "");
  CHECK(result.config.dkim.cname_target == "");
  auto set = load_main(dir, std::string(minimal) + "\n[dkim]\ncname_target = \"DKIM.Relay.example.\"\n");
  REQUIRE(set.errors == "");
  CHECK(set.result.config.dkim.cname_target == "dkim.relay.example");
  CHECK(load_main(dir, std::string(minimal) + "\n[dkim]\ncname_target = \"dkim relay\"\n").errors.starts_with(
      "mfrelay.toml:13:1: [dkim] cname_target: 'dkim relay' is not a valid hostname"));
  CHECK(load_main(dir, std::string(minimal) + "\n[dkim]\ncname_target = \"localhost\"\n").errors ==
        "mfrelay.toml:13:1: [dkim] cname_target: 'localhost' is not a valid hostname: it has a single label\n");
  CHECK(load_main(dir, std::string(minimal) + "\n[dkim]\ncname_taget = \"x.example\"\n").errors != "");
}

}  // namespace
}  // namespace mfrelay::relay
