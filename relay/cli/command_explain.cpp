// `mfrelay explain`: which identity, state and envelope sender a message would get, and why.
#include <iostream>

#include "policy/decision.hpp"
#include "relay/cli/command.hpp"
#include "relay/common/clock.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {
namespace {

void line(std::string_view label, const std::string& value) {
  std::string padded(label);
  padded += ':';
  padded.resize(26, ' ');
  std::cout << padded << value << '\n';
}

std::optional<policy::email_address> address_option(const cli_args& args, std::string_view name) {
  auto parsed = policy::parse_email_address(args.value(name));
  if (!parsed) std::cerr << "mfrelay explain: --" << name << " '" << args.value(name) << "' is not an email address\n";
  return parsed;
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

  // The live states the daemon keeps; before it ever ran, every custom MAIL
  // FROM domain counts as Pending, as a new setting does.
  auto stored = read_stored_states(*cfg);
  policy::state_snapshot states = make_snapshot(stored.value_or(std::vector<stored_state>{}));
  std::string state_note;
  if (!stored) state_note = " (assumed: " + state_db_path(*cfg) + " does not exist yet; `mfrelay serve` has not run)";

  std::string default_domain = cfg->default_mail_from_domain();
  policy::policy_context context{cfg->identities, states, cfg->relay.region, default_domain};
  policy::decision d = policy::decide({from, sender, user}, context);

  line("from", from->str());
  line("envelope sender", sender ? sender->str() : "<> (null reverse-path)");
  line("user", user ? user->name : "(not checked: no --user)");
  if (d.matched) {
    const auto& id = *d.matched;
    line("identity", id.name + (id.kind == policy::identity_kind::domain ? " (domain, " : " (address, ") +
                         to_string(id.where) + ")");
    if (id.has_mail_from()) {
      line("mail from domain", id.mail_from_domain + " (behavior on MX failure: " + std::string(to_string(id.behavior)) + ")");
      std::string since;
      if (auto s = states.find(id.name, id.mail_from_domain)) since = " since " + iso8601(s->since);
      else if (stored) since = " (not checked yet)";
      line("state", std::string(to_string(*d.status)) + since + state_note);
    } else {
      line("mail from domain", "(none: the regional default is used)");
    }
  } else {
    line("identity", "(none)");
  }
  if (d.accepted()) {
    line("decision", std::string(to_string(d.kind)));
    line("envelope sender becomes", "<message-id>@" + d.mail_from_domain);
  } else {
    line("decision", "reject (" + std::string(to_string(d.reason)) + ")");
    line("smtp reply", std::to_string(d.reply.code) + ' ' + d.reply.enhanced + ' ' + d.reply.text);
  }
  line("why", d.explanation);
  return d.accepted() ? exit_ok : exit_failed;
}

}  // namespace

const command explain_command{
    "explain", "show which identity, state and envelope sender a message would get",
    "usage: mfrelay explain --from ADDR [--sender ADDR] [--user NAME] [-c CONFIG]\n\n"
    "Runs the policy decision for a message whose From address is ADDR:\n"
    "the identity that governs it, its MAIL FROM domain and state, the envelope\n"
    "sender it would get, or the SMTP reply that would refuse it, and why.\n"
    "--sender is the envelope sender the client gives (default: the From\n"
    "address; \"<>\" for the null sender). --user also checks that the user may\n"
    "send as the identities. Exit 0 when the message would be accepted, 1 when\n"
    "it would be rejected.\n",
    {{"from", 0, true}, {"sender", 0, true}, {"user", 'u', true}},
    run};

}  // namespace mfrelay::relay
