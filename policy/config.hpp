// The configuration model: conf/mfrelay.toml plus the identities of
// conf/policy.d/*.toml. Plain values with their defaults; relay/config_loader
// fills it from TOML and validate_config() checks the rules. Any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/host_port.hpp"
#include "policy/identity_table.hpp"
#include "policy/origin.hpp"
#include "policy/time.hpp"
#include "policy/user.hpp"

namespace mfrelay::policy {

using namespace std::chrono_literals;

enum class tls_mode { starttls, implicit, none };
enum class auth_mode { password, network };
enum class bare_newline_mode { reject, normalize };
enum class delivery_mode { smarthost, mx };
// submission: applications send through mfrelay (AUTH or trusted networks).
// feedback: the MX of the MAIL FROM domains: takes bounces and complaints for
// addresses mfrelay issued, without AUTH, and never relays.
enum class listener_role { submission, feedback };

struct relay_settings {
  std::string hostname = "localhost";
  std::string region = "us-west-2";
  std::string default_mail_from_domain;  // empty: derived from the region
  std::string state_dir = "var";         // absolute after loading
  std::string policy_dir = "policy.d";   // absolute after loading
  duration drain_timeout = 30s;          // at SIGTERM/SIGINT: time for sessions and delivery to finish
  std::uint32_t threads = 0;             // threads running SMTP, delivery and the admin API; 0 = half the cores
};

struct listener_settings {
  std::string name;
  host_port address;
  tls_mode tls = tls_mode::none;
  auth_mode auth = auth_mode::password;  // submission only; a feedback listener never offers AUTH
  origin where;
  listener_role role = listener_role::submission;  // after where: {name, address, tls, auth, where} still reads
  // A load balancer in front sends a PROXY protocol header (v1 or v2) first;
  // accepted only from these networks, required from them.
  bool proxy_protocol = false;
  std::vector<ip_network> proxy_networks{};
};

struct tls_settings {
  std::string certificate;  // absolute after loading; empty = <state_dir>/tls/cert.pem
  std::string private_key;
};

struct limits_settings {
  std::uint64_t max_message_bytes = 41'943'040;  // SES: 40 MB
  std::uint32_t max_recipients = 50;             // SES: 50
  bare_newline_mode bare_newline = bare_newline_mode::reject;
  std::uint32_t max_sessions = 2000;
  std::uint32_t max_errors = 10;
  std::uint32_t max_auth_failures = 5;
  duration idle_timeout = 5min;       // waiting for a command
  duration data_timeout = 10min;      // a whole DATA transfer
};

// A smarthost as real providers run them ([[smarthost]]): TLS from the first byte
// or by STARTTLS, AUTH with a username and password (only ever over TLS), the
// server's certificate checked against a trust store and the configured name.
struct smarthost_settings {
  std::string name;  // [[smarthost]] name; "" for [delivery] smarthost = "host:port"
  host_port address{"127.0.0.1", 10026};
  tls_mode tls = tls_mode::starttls;  // starttls: when offered, required with credentials
  std::string username;               // AUTH PLAIN/LOGIN when set
  std::string password;               // a secret: never logged, never in an event
  bool verify_certificate = true;     // chain and name; the host:port form keeps false (opportunistic)
  std::string ca_file;                // PEM trust anchors, absolute after loading; "" = the system's
  origin where;
};

// [[route]]: where mail for one recipient domain (or "*", every other) goes.
struct route_settings {
  std::string domain;                // lower case, A-label form; "*" = any domain without a route of its own
  std::string via;                   // "mx" or the name of a [[smarthost]]
  std::optional<bool> require_tls;   // overrides [delivery] require_tls for this route
  origin where;
};

// Where a recipient domain's mail goes: direct (its MX hosts) or a smarthost.
struct delivery_route {
  bool mx = false;
  std::string smarthost;  // via = "<name>"; "" with mx = false: [delivery] smarthost
  bool require_tls = false;
};

struct delivery_settings {
  delivery_mode mode = delivery_mode::smarthost;
  host_port smarthost{"127.0.0.1", 10026};
  std::string smarthost_name;                // [delivery] smarthost names a [[smarthost]]; "" = host:port above
  origin smarthost_where;                    // where [delivery] smarthost was written
  std::vector<smarthost_settings> smarthosts;  // [[smarthost]], in file order
  bool require_tls = false;
  std::vector<duration> retry_schedule{1min, 5min, 15min, 30min, 1h};
  duration max_age = 120h;  // give up (bounce) after this long
  std::uint32_t connections = 8;
  bool bounce_messages = true;  // RFC 3464 DSN to the original envelope sender for failed recipients
  std::uint16_t mx_port = 25;                    // the port MX hosts are contacted on (tests: another)
  std::uint32_t connections_per_destination = 4;  // direct delivery: sessions per recipient domain
  // Direct delivery: sessions per MX host address, shared by every recipient
  // domain whose MX hosts resolve to it (many domains hosted by one provider).
  std::uint32_t connections_per_host = 20;
  std::uint32_t messages_per_connection = 100;  // transactions per session, then QUIT; 0 = no limit
  std::vector<route_settings> routes;            // [[route]], in file order

  // The route of a recipient domain (lower case): the [[route]] naming it, else
  // the "*" route, else [delivery] mode.
  delivery_route route_for(std::string_view domain) const;

  const smarthost_settings* find_smarthost(std::string_view name) const;
  // The smarthost [delivery] smarthost designates: the named [[smarthost]], or
  // the plain host:port with opportunistic STARTTLS and no credentials.
  smarthost_settings default_smarthost() const;
};

struct dns_settings {
  std::vector<host_port> servers;  // empty: the system's resolver configuration
  duration timeout = 2s;
  std::uint32_t tries = 2;
};

struct verification_settings {
  std::string feedback_mx;  // empty: feedback-smtp.<region>.amazonses.com
  std::string spf_include = "amazonses.com";
  duration window = 72h;
  duration pending_interval = 5min;   // Pending and TemporaryFailure
  duration success_interval = 1h;
  duration retry_interval = 1min;     // after an inconclusive check
  std::uint32_t concurrency = 64;
};

// [dmarc]: the per-identity DMARC verdict (README "DMARC verdict").
struct dmarc_settings {
  // Debian's publicsuffix package; relative paths resolve against the main file.
  std::string public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
  bool list_given = false;  // set in the file: then a missing list is a config error
  origin list_where;        // the public_suffix_list key
  duration interval = 1h;   // how often each _dmarc record is read again
};

// [dkim]: Easy DKIM settings shared by every identity.
struct dkim_settings {
  // "" = none: `mfrelay records` prints TXT records at <token>._domainkey.<domain>.
  // Else a zone the operator hosts (as SES hosts dkim.amazonses.com): CNAMEs
  // <token>._domainkey.<domain> -> <token>.<cname_target>, keys in that zone.
  std::string cname_target;
};

struct events_settings {
  std::string file = "var/log/events.jsonl";  // "-" = standard output
  std::uint64_t max_file_bytes = 0;  // rotate to <file>.1 ... when larger; 0 = never (logrotate + SIGUSR1)
  std::uint32_t keep_files = 5;      // rotated files kept
  std::string syslog;                // "" = off, "local" = /dev/log, "udp:HOST:PORT" (RFC 5424)
};

struct admin_key {
  std::string access_key_id;
  std::string secret_access_key;
  origin where;
};

// [[admin.user]]: who may sign in to the web console (/console/).
struct admin_user {
  std::string name;
  std::string password_hash;  // the same format as [[user]] password_hash
  origin where;
};

struct admin_settings {
  bool enabled = true;
  host_port address{"127.0.0.1", 8025};
  std::vector<std::string> allowed_hosts;  // Host header values; empty = the address and localhost:PORT
  std::vector<admin_key> keys;             // SigV4 credentials; without any, only /healthz, /readyz, /metrics answer
  std::vector<admin_user> users;           // console sign-in; without any, nobody can sign in to /console/
  std::uint64_t max_body_bytes = 1'048'576;
  std::uint32_t max_connections = 64;             // in all; past it the idlest keep-alive one is closed
  std::uint32_t max_connections_per_client = 16;  // from one client address (below max_connections)
  duration header_timeout = 10s;  // whole request line and headers, from the first byte
  duration idle_timeout = 15s;    // keep-alive: the wait for the next request
};

struct notifications_settings {
  std::string email;    // "" = none: where MAIL FROM state changes are mailed
  std::string from;     // "" = mfrelay@<hostname>
  std::string webhook;  // "" = none: http://HOST:PORT/PATH receives each event as JSON
};

// [quota]: the account's sending quota, as SES enforces it (0 = unlimited).
struct quota_settings {
  std::uint32_t max_send_rate = 0;     // recipients per second
  std::uint64_t max_24_hour_send = 0;  // recipients over the last 24 hours
};

// [store]: where the verification states, the suppression list, the
// sent-message index and the quota counters live. "sqlite": <state_dir>/state.db
// (one node, the default); "postgresql": the database at `url`, shared by
// every node that names it.
enum class store_kind { sqlite, postgresql };
struct store_settings {
  store_kind kind = store_kind::sqlite;
  std::string url;  // libpq connection string or URI; required for postgresql, refused for sqlite
};

// [feedback]: the sent-message index, what the feedback listener accepts, and
// what bounces and complaints do.
struct feedback_settings {
  duration retention = 14 * 24h;       // how long a message id is remembered (SES: 14 days)
  bool accept_default_domain = false;  // also take feedback for the default MAIL FROM domain (operator owns it)
  // The reasons a recipient lands on the suppression list automatically:
  // "BOUNCE" (a permanent bounce), "COMPLAINT". Empty: never automatically.
  std::vector<std::string> suppress = {"BOUNCE", "COMPLAINT"};
};

struct config {
  std::string main_file;  // the path it was loaded from
  relay_settings relay;
  std::vector<listener_settings> listeners;
  tls_settings tls;
  std::vector<user> users;
  limits_settings limits;
  delivery_settings delivery;
  dns_settings dns;
  verification_settings verification;
  dkim_settings dkim;
  dmarc_settings dmarc;
  events_settings events;
  admin_settings admin;
  notifications_settings notifications;
  quota_settings quota;
  feedback_settings feedback;
  store_settings store;
  identity_table identities;

  std::string default_mail_from_domain() const;
  std::string feedback_host() const;
};

// The identity rules (DESIGN.md): valid names, MAIL FROM domain a valid
// hostname, a proper subdomain of the identity's domain, and not itself an identity.
std::vector<config_error> validate_identities(const identity_table& identities);

// The rules that span entries: identities, listeners (unique names and
// addresses, password auth only under TLS), users (unique, usable, naming
// declared identities). Single values are checked where they are read.
std::vector<config_error> validate_config(const config& cfg);

}  // namespace mfrelay::policy
