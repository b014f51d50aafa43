// mfrelay: one binary, several subcommands (DESIGN.md "Contracts").
#include <iostream>
#include <span>
#include <string_view>

#include "relay/cli/command.hpp"

namespace {

void print_usage(std::ostream& out) {
  out << "mfrelay: an SMTP sending relay with SES-style custom MAIL FROM policy\n\n"
         "usage: mfrelay COMMAND [-c CONFIG] [options]\n\ncommands:\n";
  for (const auto* c : mfrelay::relay::all_commands()) {
    std::string name(c->name);
    name.resize(16, ' ');
    out << "  " << name << c->summary << '\n';
  }
  out << "\nEvery command takes -c/--config PATH (default conf/mfrelay.toml) and --help.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mfrelay::relay;
  std::span<char* const> args(argv, static_cast<std::size_t>(argc));
  if (args.size() < 2) {
    print_usage(std::cerr);
    return exit_usage;
  }
  std::string_view name = args[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return exit_ok;
  }
  for (const auto* c : all_commands()) {
    if (c->name != name) continue;
    cli_args parsed = parse_cli(args.subspan(2), c->options);
    if (parsed.flag("help")) {
      std::cout << c->help;
      return exit_ok;
    }
    if (!parsed.error.empty()) {
      std::cerr << "mfrelay " << name << ": " << parsed.error << "\n\n" << c->help;
      return exit_usage;
    }
    try {
      return c->run(parsed);
    } catch (const std::exception& e) {
      std::cerr << "mfrelay " << name << ": " << e.what() << '\n';
      return exit_failed;
    }
  }
  std::cerr << "mfrelay: unknown command '" << name << "'\n\n";
  print_usage(std::cerr);
  return exit_usage;
}
