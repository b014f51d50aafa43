// The command line of the mfrelay subcommands: options in the three spellings,
// positionals, "--", and a usage error for anything unknown or incomplete.
#include <doctest/doctest.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/cli/cli_args.hpp"

namespace mfrelay::relay {
namespace {

// The options of `mfrelay records` and `mfrelay explain`, plus a flag.
constexpr option_spec test_options[] = {
    {"format", 'f', true},
    {"from", 0, true},
    {"verbose", 'v', false},
};

cli_args parse(std::initializer_list<std::string_view> words, std::span<const option_spec> options = test_options) {
  std::vector<std::string> storage(words.begin(), words.end());
  std::vector<char*> argv;
  for (auto& word : storage) argv.push_back(word.data());
  return parse_cli(argv, options);
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : "|") + w;
  return out;
}

TEST_CASE("-c, --config VALUE and --config=VALUE all set the configuration path") {
  for (auto args : {parse({"-c", "/etc/mfrelay.toml"}), parse({"--config", "/etc/mfrelay.toml"}),
                    parse({"--config=/etc/mfrelay.toml"})}) {
    CHECK(args.error == "");
    CHECK(args.value("config") == "/etc/mfrelay.toml");
    CHECK(args.positional.empty());
  }
}

TEST_CASE("every subcommand accepts -c and -h even when it declares no options") {
  auto args = parse({"-h", "-c", "x.toml"}, {});
  CHECK(args.error == "");
  CHECK(args.flag("help"));
  CHECK(args.value("config") == "x.toml");
  CHECK(parse({"--help"}, {}).flag("help"));
}

TEST_CASE("an absent option gives the fallback") {
  auto args = parse({"example.com"});
  CHECK_FALSE(args.has("config"));
  CHECK(args.value("config", "conf/mfrelay.toml") == "conf/mfrelay.toml");
  CHECK(args.value("format") == "");
  CHECK_FALSE(args.flag("help"));
  CHECK_FALSE(args.flag("verbose"));
}

TEST_CASE("positionals and options mix in any order") {
  auto args = parse({"example.com", "--format", "csv", "second", "-v", "-c", "conf.toml", "third"});
  CHECK(args.error == "");
  CHECK(joined(args.positional) == "example.com|second|third");
  CHECK(args.value("format") == "csv");
  CHECK(args.value("config") == "conf.toml");
  CHECK(args.flag("verbose"));
}

TEST_CASE("a declared option's short and long spellings are the same option") {
  CHECK(parse({"-f", "zone"}).value("format") == "zone");
  CHECK(parse({"--format=json"}).value("format") == "json");
  CHECK(parse({"--from", "a@example.com"}).value("from") == "a@example.com");
  CHECK(parse({"--from=a=b@example.com"}).value("from") == "a=b@example.com");  // only the first '=' splits
}

TEST_CASE("the value after an option is taken as is, even when it looks like an option") {
  auto args = parse({"--from", "-", "-c", "--weird.toml"});
  CHECK(args.error == "");
  CHECK(args.value("from") == "-");
  CHECK(args.value("config") == "--weird.toml");
}

TEST_CASE("an empty inline value is a value") {
  auto args = parse({"--format="});
  CHECK(args.error == "");
  CHECK(args.has("format"));
  CHECK(args.value("format", "table") == "");
}

TEST_CASE("the last of a repeated option wins") {
  CHECK(parse({"--format", "csv", "-f", "zone"}).value("format") == "zone");
  CHECK(parse({"-c", "a.toml", "--config=b.toml"}).value("config") == "b.toml");
}

TEST_CASE("'--' ends the options and '-' is a positional") {
  auto args = parse({"-v", "--", "-c", "x", "--format"});
  CHECK(args.error == "");
  CHECK(args.flag("verbose"));
  CHECK_FALSE(args.has("config"));
  CHECK(joined(args.positional) == "-c|x|--format");

  auto dash = parse({"-"});
  CHECK(dash.error == "");
  CHECK(joined(dash.positional) == "-");
}

TEST_CASE("malformed command lines are usage errors that name the problem") {
  struct row {
    std::initializer_list<std::string_view> words;
    std::string error;
  };
  const row rows[] = {
      {{"example.com", "--colour", "red"}, "unknown option --colour"},
      {{"-x"}, "unknown option -x"},
      {{"--Format", "csv"}, "unknown option --Format"},  // options are case-sensitive
      {{"-fcsv"}, "unknown option -fcsv"},               // no attached short values
      {{"-vf", "csv"}, "unknown option -vf"},            // no bundling
      {{"--form", "csv"}, "unknown option --form"},      // no abbreviations
      {{"--=x"}, "unknown option --=x"},
      {{"--verbose=yes"}, "option --verbose takes no value"},
      {{"--help=1"}, "option --help takes no value"},
      {{"--format"}, "option --format needs a value"},
      {{"example.com", "-f"}, "option --format needs a value"},
      {{"-c"}, "option --config needs a value"},
  };
  for (const auto& r : rows) {
    auto args = parse(r.words);
    CAPTURE(joined(std::vector<std::string>(r.words.begin(), r.words.end())));
    CHECK(args.error == r.error);
  }
}

TEST_CASE("an option of another subcommand is unknown here") {
  CHECK(parse({"--format", "csv"}, {}).error == "unknown option --format");
}

}  // namespace
}  // namespace mfrelay::relay
