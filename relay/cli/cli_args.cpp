#include "relay/cli/cli_args.hpp"

#include <vector>

namespace mfrelay::relay {

std::string cli_args::value(std::string_view name, std::string_view fallback) const {
  auto found = values.find(name);
  return found == values.end() ? std::string(fallback) : found->second;
}

cli_args parse_cli(std::span<char* const> args, std::span<const option_spec> options) {
  std::vector<option_spec> specs{{"config", 'c', true}, {"help", 'h', false}};
  specs.insert(specs.end(), options.begin(), options.end());
  cli_args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) out.positional.emplace_back(args[i]);
      break;
    }
    if (!arg.starts_with('-') || arg == "-") {
      out.positional.emplace_back(arg);
      continue;
    }
    const option_spec* spec = nullptr;
    std::string_view inline_value;
    bool has_inline = false;
    if (arg.starts_with("--")) {
      std::string_view name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string_view::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
      for (const auto& s : specs) {
        if (s.name == name) spec = &s;
      }
    } else if (arg.size() == 2) {
      for (const auto& s : specs) {
        if (s.short_name == arg[1]) spec = &s;
      }
    }
    if (!spec) {
      out.error = "unknown option " + std::string(arg);
      return out;
    }
    if (!spec->takes_value) {
      if (has_inline) {
        out.error = "option --" + std::string(spec->name) + " takes no value";
        return out;
      }
      out.flags.emplace(spec->name);
      continue;
    }
    if (has_inline) {
      out.values.insert_or_assign(std::string(spec->name), std::string(inline_value));
    } else if (i + 1 < args.size()) {
      out.values.insert_or_assign(std::string(spec->name), std::string(args[++i]));
    } else {
      out.error = "option --" + std::string(spec->name) + " needs a value";
      return out;
    }
  }
  return out;
}

}  // namespace mfrelay::relay
