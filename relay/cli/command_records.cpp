// `mfrelay records IDENTITY`: the DNS records to publish for its MAIL FROM domain.
#include <iostream>

#include "policy/dns_records.hpp"
#include "relay/cli/command.hpp"
#include "relay/common/idna.hpp"
#include "relay/common/record_format.hpp"

namespace mfrelay::relay {
namespace {

int run(const cli_args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "mfrelay records: give exactly one IDENTITY\n\n" << records_command.help;
    return exit_usage;
  }
  auto format = parse_record_format(args.value("format", "table"));
  if (!format) {
    std::cerr << "mfrelay records: --format must be table, csv, zone or json\n";
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  auto name = policy::parse_identity_name(args.positional[0], &idna_to_ascii);
  const policy::identity* id = name.value ? cfg->identities.find(name.value->name) : nullptr;
  if (!id) {
    std::cerr << "mfrelay records: '" << args.positional[0] << "' is not a declared identity in "
              << cfg->relay.policy_dir << '\n';
    return exit_failed;
  }
  if (!id->has_mail_from()) {
    std::cerr << "mfrelay records: identity " << id->name
              << " has no custom MAIL FROM domain (set mail_from_domain in " << to_string(id->where)
              << "); it uses " << cfg->default_mail_from_domain() << " and needs no records\n";
    return exit_failed;
  }
  std::cout << format_records(policy::required_records(*id, cfg->feedback_host(), cfg->verification.spf_include),
                              *format);
  return exit_ok;
}

}  // namespace

const command records_command{
    "records", "print the DNS records to publish for an identity's MAIL FROM domain",
    "usage: mfrelay records IDENTITY [--format table|csv|zone|json] [-c CONFIG]\n\n"
    "Prints the records the identity's custom MAIL FROM domain must publish:\n"
    "exactly one MX to the regional feedback host, and the SPF TXT record.\n",
    {{"format", 'f', true}},
    run};

}  // namespace mfrelay::relay
