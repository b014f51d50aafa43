// `mfrelay verify IDENTITY`: ask the running daemon to check a MAIL FROM domain now.
#include <boost/json.hpp>
#include <iostream>

#include "policy/identity.hpp"
#include "relay/admin/uri_encoding.hpp"
#include "relay/cli/command.hpp"
#include "relay/cli/daemon_client.hpp"
#include "relay/common/idna.hpp"

namespace mfrelay::relay {
namespace {

int run(const cli_args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "mfrelay verify: give exactly one IDENTITY\n\n" << verify_command.help;
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  auto name = policy::parse_identity_name(args.positional[0], &idna_to_ascii);
  if (!name.value) {
    std::cerr << "mfrelay verify: " << name.error << '\n';
    return exit_usage;
  }
  daemon_answer answer = call_daemon(*cfg, "POST", "/v1/identities/" + uri_encode(name.value->name) + "/verify");
  if (!answer.json) {
    std::cerr << "mfrelay verify: " << answer.error << '\n';
    return exit_failed;
  }
  const auto& o = answer.json->as_object();
  bool checked = o.contains("checked") && o.at("checked").is_bool() && o.at("checked").as_bool();
  if (checked) {
    std::cout << "checking " << name.value->name << " now; `mfrelay status` shows the result\n";
    return exit_ok;
  }
  std::cout << name.value->name << " is not checked: it has no custom MAIL FROM domain or is Failed "
            << "(set its MAIL FROM domain again to restart)\n";
  return exit_failed;
}

}  // namespace

const command verify_command{
    "verify", "ask the running daemon to check an identity's MAIL FROM domain now",
    "usage: mfrelay verify IDENTITY [-c CONFIG]\n\n"
    "Asks the running daemon (through its admin API, signed with the first\n"
    "[[admin.key]]) to check the identity's custom MAIL FROM domain at once.\n"
    "Exit 0 when a check was scheduled, 1 otherwise.\n",
    {},
    run};

}  // namespace mfrelay::relay
