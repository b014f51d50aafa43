// `mfrelay explain`: which identity, state and envelope sender a message would get, and why.
#include <boost/json.hpp>
#include <iostream>

#include "relay/admin/uri_encoding.hpp"
#include "relay/cli/command.hpp"
#include "relay/cli/daemon_client.hpp"
#include "relay/admin/explain_json.hpp"
#include "relay/common/idna.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {
namespace {

void line(std::string_view label, const std::string& value) {
  std::string padded(label);
  padded += ':';
  padded.resize(26, ' ');
  std::cout << padded << value << '\n';
}

std::string text(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<policy::email_address> address_option(const cli_args& args, std::string_view name) {
  auto parsed = policy::parse_email_address(args.value(name), &idna_to_ascii);
  if (!parsed) std::cerr << "mfrelay explain: --" << name << " '" << args.value(name) << "' is not an email address\n";
  return parsed;
}

// One rendering for the daemon's answer and the local one (the same JSON).
void print(const boost::json::object& o, const std::string& state_note) {
  line("from", text(o, "from"));
  line("envelope sender", o.at("sender").is_null() ? "<> (null reverse-path)" : text(o, "sender"));
  line("user", o.at("user").is_null() ? "(not checked: no --user)" : text(o, "user"));
  if (o.at("identity").is_null()) {
    line("identity", "(none)");
  } else {
    line("identity", text(o, "identity") + " (" + text(o, "identityKind") + ", " + text(o, "identityOrigin") + ")");
    if (o.at("mailFromDomain").is_null()) {
      line("mail from domain", "(none: the regional default is used)");
    } else {
      line("mail from domain",
           text(o, "mailFromDomain") + " (behavior on MX failure: " + text(o, "behaviorOnMxFailure") + ")");
      std::string since = !o.at("since").is_null() ? " since " + text(o, "since")
                          : state_note.empty()      ? " (not checked yet)"
                                                    : "";
      line("state", text(o, "status") + since + state_note);
    }
  }
  if (o.at("smtpReply").is_null()) {
    line("decision", text(o, "decision"));
    line("envelope sender becomes", text(o, "returnPath"));
  } else {
    const auto& r = o.at("smtpReply").as_object();
    line("decision", "reject (" + text(o, "reason") + ")");
    line("smtp reply", std::to_string(r.at("code").to_number<int>()) + ' ' + text(r, "enhanced") + ' ' + text(r, "text"));
  }
  line("why", text(o, "why"));
  if (const auto* d = o.if_contains("dmarc"); d && d->is_object()) {
    line("dmarc", dmarc_summary(d->as_object()));
    line("dmarc why", text(d->as_object(), "why"));
  } else if (!o.at("identity").is_null()) {
    line("dmarc", "unknown (only the running daemon reads the _dmarc records)");
  }
  if (const auto* w = o.if_contains("mailFromWarning"); w && w->is_string()) line("warning", text(o, "mailFromWarning"));
}

int run(const cli_args& args) {
  if (!args.has("from")) {
    std::cerr << "mfrelay explain: --from is required\n\n" << explain_command.help;
    return exit_usage;
  }
  auto from = address_option(args, "from");
  if (!from) return exit_usage;
  std::optional<policy::email_address> sender = from;
  if (args.has("sender")) {
    if (args.value("sender").empty() || args.value("sender") == "<>") {
      sender.reset();
    } else if (!(sender = address_option(args, "sender"))) {
      return exit_usage;
    }
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  const policy::user* user = nullptr;
  if (args.has("user")) {
    user = policy::find_user(cfg->users, args.value("user"));
    if (!user) {
      std::cerr << "mfrelay explain: no [[user]] is named '" << args.value("user") << "'\n";
      return exit_failed;
    }
  }

  // The running daemon knows the live states; without it, the state store does.
  // It is asked with A-label domains, the form every part of it parses.
  auto ascii = [](const policy::email_address& a) {
    return a.local + '@' + (a.ascii_domain.empty() ? a.domain : a.ascii_domain);
  };
  std::string target = "/v1/explain?from=" + uri_encode(ascii(*from)) +
                       "&sender=" + uri_encode(sender ? ascii(*sender) : "<>") +
                       (user ? "&user=" + uri_encode(user->name) : "");
  daemon_answer answer = call_daemon(*cfg, "GET", target);
  boost::json::object result;
  std::string state_note;
  if (answer.json && answer.json->is_object()) {
    result = answer.json->as_object();
  } else {
    auto stored = read_stored_states(*cfg);
    if (!stored) state_note = " (assumed: " + state_db_path(*cfg) + " does not exist yet; `mfrelay serve` has not run)";
    result = explain_json(*cfg, stored.value_or(std::vector<stored_state>{}), *from, sender, user);
  }
  print(result, state_note);
  return result.at("smtpReply").is_null() ? exit_ok : exit_failed;
}

}  // namespace

const command explain_command{
    "explain", "show which identity, state and envelope sender a message would get",
    "usage: mfrelay explain --from ADDR [--sender ADDR] [--user NAME] [-c CONFIG]\n\n"
    "Runs the policy decision for a message whose From address is ADDR:\n"
    "the identity that governs it, its MAIL FROM domain and live state, the\n"
    "envelope sender it would get, or the SMTP reply that would refuse it, and\n"
    "why. It asks the running daemon (admin API, first [[admin.key]]) and falls\n"
    "back to the state store in state_dir when the daemon is not reachable.\n"
    "--sender is the envelope sender the client gives (default: the From\n"
    "address; \"<>\" for the null sender). --user also checks that the user may\n"
    "send as the identities. Exit 0 when the message would be accepted, 1 when\n"
    "it would be rejected.\n",
    {{"from", 0, true}, {"sender", 0, true}, {"user", 'u', true}},
    run};

}  // namespace mfrelay::relay
