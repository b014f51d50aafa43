// Inputs the libFuzzer harness tests/fuzz/fuzz_config.cpp found, byte for byte
// (the corpus keeps them too, as regression-*), and the behaviour each must
// have: a configuration error at a position, never an abort or undefined
// behaviour inside toml++ 3.3. Plus the text that must stay accepted around
// the refusal toml_text_supported() adds.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "policy/identity_table.hpp"
#include "relay/config/config_loader.hpp"
#include "relay/config/toml_section.hpp"
#include "relay/config/toml_text_guard.hpp"
#include "config_dir.hpp"

namespace mfrelay::relay {
namespace {

using test::config_dir;

std::vector<policy::config_error> policy_errors(std::string_view text, policy::identity_table* out = nullptr) {
  policy::identity_table identities;
  std::vector<policy::config_error> errors;
  load_policy_text(text, "p.toml", out ? *out : identities, errors);
  return errors;
}

// fuzz_config crash-86bde994 (minimised: main file "[" and a line break). toml++ asserted its own
// precondition (is_bare_key_character || is_string_delimiter) in parse_key and
// aborted in builds without NDEBUG; the parser's own error is what must come out.
// (With NDEBUG the assertion was compiled out already, so only a build without
// it, like the fuzz build, can fail here.)
TEST_CASE("fuzz: a table header cut by a line break is a syntax error, not an abort") {
  for (std::string_view text : {"[\n", "[[[1]]]\n", "[[=\n"}) {
    CAPTURE(text);
    std::vector<policy::config_error> errors = policy_errors(text);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].where.file == "p.toml");
    CHECK(errors[0].where.line == 1);
  }
  config_dir dir;
  config_load_result main = load_config(dir.write("mfrelay.toml", "[\n"));
  REQUIRE(main.errors.size() == 1);
  CHECK(dir.errors(main.errors).starts_with("mfrelay.toml:1:"));
}

// fuzz_config crash-be52536a (minimised: policy text U+01BF alone). toml++
// asks whether a character where a key may start is whitespace, and for
// U+00A1..U+0499 (and three other ranges) its generated table reaches
// __builtin_unreachable: undefined behaviour, reported by UBSan.
TEST_CASE("fuzz: a non-ASCII character outside strings and comments is refused before toml++ sees it") {
  std::vector<policy::config_error> errors = policy_errors("\xc6\xbf");
  REQUIRE(errors.size() == 1);
  CHECK(to_string(errors[0]) == "p.toml:1:1: a non-ASCII character outside a string or comment is not supported");

  // The same character inside a key, where a value or a table name is expected.
  CHECK(to_string(policy_errors("l\xc6\xbf = 1\n").at(0)) ==
        "p.toml:1:2: a non-ASCII character outside a string or comment is not supported");
  CHECK(to_string(policy_errors("a = 1\nb = \xc2\xa1\n").at(0)) ==
        "p.toml:2:5: a non-ASCII character outside a string or comment is not supported");
  CHECK(to_string(policy_errors("[t\xc3\xa9]\n").at(0)) ==
        "p.toml:1:3: a non-ASCII character outside a string or comment is not supported");
  CHECK(to_string(policy_errors("x = \"\xc3\xa9\" \xc3\xa9\n").at(0)) ==
        "p.toml:1:9: a non-ASCII character outside a string or comment is not supported");

  // fuzz_config crash-ee40fc25, exactly: a quote inside a bare value does not
  // start a string; toml++ scans the value up to a terminator, asking of the
  // non-ASCII character (U+FEF7) whether it is whitespace.
  CHECK(to_string(policy_errors(std::string_view("S =0omw\"\"\x01m'\"(\xef\xbb\xb7\x05\"\n", 20)).at(0)) ==
        "p.toml:1:15: a non-ASCII character outside a string or comment is not supported");
  CHECK(to_string(policy_errors("a = 0.\"\xc2\xa1\"\n").at(0)) ==
        "p.toml:1:8: a non-ASCII character outside a string or comment is not supported");

  // Upstream issue #190, valid TOML that toml++ 3.3 cannot read safely: a
  // line-ending backslash in a multi-line basic string, then U+00A7.
  CHECK(to_string(policy_errors("s = \"\"\"\\\n\xc2\xa7\"\"\"\n").at(0)) ==
        "p.toml:2:1: a non-ASCII character after a backslash in a multi-line string is not supported");

  config_dir dir;
  config_load_result main = load_config(dir.write("mfrelay.toml", "[relay]\nhostname\xc2\xa0= \"x\"\n"));
  REQUIRE(main.errors.size() == 1);
  CHECK(dir.errors(main.errors) ==
        "mfrelay.toml:2:9: a non-ASCII character outside a string or comment is not supported\n");
}

TEST_CASE("fuzz: non-ASCII text in strings and comments, and a byte order mark, still load") {
  policy::identity_table identities;
  std::vector<policy::config_error> errors = policy_errors(
      "\xef\xbb\xbf# Identit\xc3\xa9s \xe8\xba\xab\xe5\x85\x83\n"
      "[[identity]]  # \xc6\xbf\n"
      "name = \"example.com\"  # \"\xc2\xa1\n"
      "mail_from_domain = 'mail.example.com' # '\xc2\xa1\n"
      "behavior_on_mx_failure = \"\"\"RejectMessage\"\"\" # \xc2\xa1 \"\"\"\n"
      "[[identity]]\n"
      "name = \"a\\\"\xc2\xa1\"\n"
      "mail_from_domain = '''\n\xc2\xa1 '' \xc2\xa1'''\n"
      "behavior_on_mx_failure = \"\"\"\\\n    UseDefault\\\n    Value\"\"\"\n",
      &identities);
  // Only the second identity's name is wrong, and it is the loader that says so.
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.line == 7);
  CHECK(errors[0].message.find("non-ASCII") == std::string::npos);
  const policy::identity* id = identities.find("example.com");
  REQUIRE(id != nullptr);
  CHECK(id->mail_from_domain == "mail.example.com");
  CHECK(id->behavior == policy::mx_failure_behavior::reject_message);
}

TEST_CASE("fuzz: toml_text_supported follows strings, escapes and multi-line quotes") {
  struct row {
    std::string_view text;
    bool supported;
  };
  const row rows[] = {
      {"a = \"\\\"\xc2\xa1\"", true},          // an escaped quote does not end the string
      {"a = \"\\\\\" \xc2\xa1", false},        // an escaped backslash does
      {"a = 'x\\' \xc2\xa1", false},           // no escapes in literal strings
      {"a = \"\"\"x\"\"\xc2\xa1\"\"\"", true},  // two quotes inside a multi-line string
      {"a = \"\"\"x\"\"\"\"\" \xc2\xa1", false},  // up to two quotes end with it
      {"a = ''''\xc2\xa1'''", true},
      {"a = \"\" \xc2\xa1", false},             // an empty string
      {"a = \"\"\"\\\"\"\"\xc2\xa1\"\"\"", true},  // \" inside a multi-line string
      {"a = \"\"\"\\  \r\n \xc2\xa1\"\"\"", false},
      {"a = \"\"\"\\\xc2\xa1\"\"\"", false},
      {"a = \"x\n\xc2\xa1", false},             // a line break ends an unterminated string
      {"# \xc2\xa1\n\xc2\xa1", false},
      {"a = 1 # \"\n b = \"\xc2\xa1\"", true},  // a quote in a comment starts nothing
      {"a = = \"\xc2\xa1\"", false},             // toml++ scans ="..." as one bare value
      {"a = 1 = \"\xc2\xa1\"", false},           // a syntax error: nothing after it is trusted
      {"[\"\xc2\xa1\".b]\n[[c.'\xc2\xa1']]\nd.\"\xc2\xa1\" = 1", true},  // quoted keys
      {"a = [ \"\xc2\xa1\", # \xc2\xa1\n  {b = '\xc2\xa1', c = [1, \"\xc2\xa1\"]}, ]\ne = {}", true},
      {"a = {b = 1\n}\nc = \"\xc2\xa1\"", false},  // inline tables are one line
      {"d = 1979-05-27 07:32:00\ne = \"\xc2\xa1\"", true},
      {"a = 1\r\nb = \"\xc2\xa1\"\r\n", true},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    std::vector<policy::config_error> errors;
    CHECK(toml_text_supported(r.text, "t.toml", errors) == r.supported);
    CHECK(errors.size() == (r.supported ? 0u : 1u));
  }
}

}  // namespace
}  // namespace mfrelay::relay
