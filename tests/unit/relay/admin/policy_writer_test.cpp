// policy_writer: the planned policy.d texts parse back (load_policy_text) to
// the intended identities, changes land in the declaring file or in
// admin-api.toml, hand edits are not overwritten, and files are replaced
// atomically on disk.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "fake_backend.hpp"
#include "relay/common/durable_file.hpp"
#include "relay/admin/identity_change_rules.hpp"
#include "relay/admin/policy_toml.hpp"
#include "relay/admin/policy_writer.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

namespace fs = std::filesystem;
using namespace test;

// What a reload sees of each identity, in order.
struct declared {
  std::string name;
  policy::identity_kind kind;
  std::string mail_from;
  policy::mx_failure_behavior behavior;
  bool forward_feedback = true;
  friend bool operator==(const declared&, const declared&) = default;
};

std::vector<declared> declarations(const std::vector<policy::identity>& ids) {
  std::vector<declared> out;
  for (const auto& id : ids) out.push_back({id.name, id.kind, id.mail_from_domain, id.behavior, id.forward_feedback});
  return out;
}

// Parses one planned text as the reload would.
std::vector<declared> parse_back(const policy_file_write& w) {
  policy::identity_table table;
  std::vector<policy::config_error> errors;
  load_policy_text(w.text, w.path, table, errors);
  INFO(w.text);
  CHECK(errors.empty());
  return declarations(table.all());
}

using kind = policy::identity_kind;
using mx = policy::mx_failure_behavior;

TEST_CASE("toml_string escapes quotes, backslashes and control characters, keeps UTF-8") {
  CHECK(toml_string("example.com") == "\"example.com\"");
  CHECK(toml_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(toml_string(std::string("\b\t\n\f\r\x01\x1f\x7f", 8)) == "\"\\b\\t\\n\\f\\r\\u0001\\u001F\\u007F\"");
  CHECK(toml_string("jöran") == "\"jöran\"");
}

TEST_CASE("render_policy_file round-trips awkward names through load_policy_text") {
  std::vector<policy::identity> ids;
  for (std::string_view name : {"example.com", "\"a \\\"b\\\" c\\\\d\"@example.com", "jöran@example.com",
                                "x.example.com"}) {
    auto parsed = policy::parse_identity_name(name);
    REQUIRE_MESSAGE(parsed.value, parsed.error);
    policy::identity id;
    id.name = parsed.value->name;
    id.kind = parsed.value->kind;
    ids.push_back(id);
  }
  ids[0].mail_from_domain = "mail.example.com";
  ids[0].behavior = mx::reject_message;
  ids[1].mail_from_domain = "bounce.example.com";
  CHECK(ids[1].name.find('"') != std::string::npos);
  CHECK(ids[1].name.find('\\') != std::string::npos);

  ids[0].mail_from_spelling = "Mail.Example.com";
  ids[3].tags = {{"env", "prod"}, {"a \"quoted\" key", "välue"}};
  ids[3].forward_feedback = false;
  ids[0].dkim = true;
  ids[3].dkim = true;
  ids[3].dkim_key_type = policy::dkim_key_kind::ed25519;
  ids[0].dkim_selector = "sel-2024";
  ids[0].dkim_private_key_file = "/etc/mfrelay/keys/ex \"1\".pem";

  std::string text = render_policy_file(ids);
  CHECK(parse_back({"/p/admin-api.toml", text}) == declarations(ids));
  // The spelling and the tags come back from the file too (a reload keeps them).
  std::vector<policy::config_error> errors;
  policy::identity_table table;
  load_policy_text(text, "/p/admin-api.toml", table, errors);
  REQUIRE(errors.empty());
  CHECK(table.find("example.com")->mail_from_domain == "mail.example.com");
  CHECK(table.find("example.com")->mail_from_as_given() == "Mail.Example.com");
  CHECK(table.find("x.example.com")->tags == ids[3].tags);
  // Feedback forwarding turned off stays off; the others keep SES's default (on).
  CHECK_FALSE(table.find("x.example.com")->forward_feedback);
  CHECK(table.find("example.com")->forward_feedback);
  // An API change to one identity must not turn another's Easy DKIM off (or change its key type).
  CHECK(table.find("example.com")->dkim);
  CHECK(table.find("example.com")->dkim_key_type == policy::dkim_key_kind::rsa);
  CHECK(table.find("x.example.com")->dkim_key_type == policy::dkim_key_kind::ed25519);
  // BYODKIM's selector and key file survive a rewrite made for another change.
  CHECK(table.find("example.com")->dkim_selector == "sel-2024");
  CHECK(table.find("example.com")->dkim_private_key_file == "/etc/mfrelay/keys/ex \"1\".pem");
  CHECK(table.find("x.example.com")->dkim_selector.empty());
  CHECK(render_policy_file({}) ==
        "# Identity policy written by mfrelay's admin API (SES SetIdentityMailFromDomain,\n"
        "# VerifyDomainIdentity, PutEmailIdentityMailFromAttributes, ...).\n"
        "# mfrelay rewrites this whole file from the identities it declares whenever\n"
        "# the API changes one of them: comments and formatting added here are not kept.\n"
        "# (no identities left)\n");
}

TEST_CASE("plan_policy_write: set_mail_from rewrites the declaring file, in order, comments dropped") {
  auto cfg = make_config();
  identity_change change{identity_change::kind::set_mail_from, "example.com", "bounce.example.com",
                         mx::reject_message};
  policy_write_plan plan = plan_policy_write(*cfg, change);
  CHECK(plan.errors.empty());
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].path == example_file);
  CHECK(plan.writes[0].text ==
        "# Identity policy written by mfrelay's admin API (SES SetIdentityMailFromDomain,\n"
        "# VerifyDomainIdentity, PutEmailIdentityMailFromAttributes, ...).\n"
        "# mfrelay rewrites this whole file from the identities it declares whenever\n"
        "# the API changes one of them: comments and formatting added here are not kept.\n"
        "\n[[identity]]\nname = \"example.com\"\nmail_from_domain = \"bounce.example.com\"\n"
        "behavior_on_mx_failure = \"RejectMessage\"\n"
        "\n[[identity]]\nname = \"billing@example.com\"\nmail_from_domain = \"bounce.example.com\"\n"
        "behavior_on_mx_failure = \"RejectMessage\"\n"
        "\n[[identity]]\nname = \"news.example.com\"\nbehavior_on_mx_failure = \"UseDefaultValue\"\n"
        "\n[[identity]]\nname = \"other.org\"\nbehavior_on_mx_failure = \"UseDefaultValue\"\n");
  CHECK(parse_back(plan.writes[0]) ==
        declarations(apply_change(cfg->identities, change, {admin_file, 0, 0}).all()));

  // Disabling: the mail_from_domain key goes away; nullopt behavior keeps the current one.
  plan = plan_policy_write(*cfg, {identity_change::kind::set_mail_from, "billing@example.com", "", std::nullopt});
  auto back = parse_back(plan.writes.at(0));
  CHECK(back.at(1) == declared{"billing@example.com", kind::email_address, "", mx::reject_message});
}

TEST_CASE("plan_policy_write: a new identity is appended to admin-api.toml, after the ones already there") {
  auto cfg = std::make_shared<policy::config>(*make_config());
  std::vector<policy::config_error> errors;
  load_policy_text("[[identity]]\nname = \"first.example.net\"\n", admin_file, cfg->identities, errors);
  REQUIRE(errors.empty());

  policy_write_plan plan = plan_policy_write(*cfg, {identity_change::kind::create, "ops@example.net", {}, {}});
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].path == admin_file);
  CHECK(parse_back(plan.writes[0]) ==
        std::vector<declared>{{"first.example.net", kind::domain, "", mx::use_default_value},
                              {"ops@example.net", kind::email_address, "", mx::use_default_value}});

  // Creating what exists changes nothing.
  plan = plan_policy_write(*cfg, {identity_change::kind::create, "example.com", {}, {}});
  CHECK(plan.writes.empty());
  CHECK(plan.errors.empty());
}

TEST_CASE("plan_policy_write: remove drops the identity from its file; unknown identities are errors") {
  auto cfg = make_config();
  policy_write_plan plan = plan_policy_write(*cfg, {identity_change::kind::remove, "news.example.com", {}, {}});
  REQUIRE(plan.writes.size() == 1);
  auto back = parse_back(plan.writes[0]);
  CHECK(back.size() == 3);
  CHECK(std::none_of(back.begin(), back.end(), [](const declared& d) { return d.name == "news.example.com"; }));

  auto single = std::make_shared<policy::config>(*make_config("[[identity]]\nname = \"solo.example\"\n"));
  plan = plan_policy_write(*single, {identity_change::kind::remove, "solo.example", {}, {}});
  REQUIRE(plan.writes.size() == 1);
  CHECK(parse_back(plan.writes[0]).empty());
  CHECK(plan.writes[0].text.ends_with("# (no identities left)\n"));

  for (auto what : {identity_change::kind::remove, identity_change::kind::set_mail_from}) {
    plan = plan_policy_write(*cfg, {what, "unknown.net", "mail.unknown.net", {}});
    CHECK(plan.writes.empty());
    REQUIRE(plan.errors.size() == 1);
    CHECK(plan.errors[0].message == "identity 'unknown.net' is not declared in /etc/mfrelay/policy.d");
  }
}

TEST_CASE("planned_config keeps the other files' identities and lets validate_config judge the result") {
  auto cfg = std::make_shared<policy::config>(*make_config());
  std::vector<policy::config_error> errors;
  load_policy_text("[[identity]]\nname = \"first.example.net\"\n", admin_file, cfg->identities, errors);
  REQUIRE(errors.empty());

  auto plan = plan_policy_write(*cfg, {identity_change::kind::set_mail_from, "other.org", "m.other.org", {}});
  policy::config next = planned_config(*cfg, plan.writes, errors);
  CHECK(errors.empty());
  CHECK(policy::validate_config(next).empty());
  CHECK(next.identities.all().size() == 5);
  CHECK(next.identities.find("first.example.net")->where.file == admin_file);
  CHECK(next.identities.find("other.org")->mail_from_domain == "m.other.org");
  CHECK(next.identities.find("other.org")->where.file == example_file);

  // A MAIL FROM domain that is itself an identity: the validation names the file and line.
  plan = plan_policy_write(*cfg, {identity_change::kind::set_mail_from, "example.com", "news.example.com", {}});
  next = planned_config(*cfg, plan.writes, errors);
  auto invalid = policy::validate_config(next);
  REQUIRE(invalid.size() == 1);
  CHECK(to_string(invalid[0]).starts_with(example_file + ":8:1: MAIL FROM domain news.example.com is itself"));
}

TEST_CASE("on disk: plan, check, write durably, reload: the reloaded identities are the intended ones") {
  temp_dir dir;
  fs::path policy = dir.path() / "policy.d";
  fs::create_directory(policy);
  const std::string a_text = "# a: untouched\n[[identity]]\nname = \"a.example\"\nmail_from_domain = \"m.a.example\"\n";
  write_file(policy / "a.toml", a_text);
  write_file(policy / "b.toml",
        "# b: the operator's comment, lost on rewrite\n[[identity]]\nname = \"b.example\"\n\n"
        "[[identity]]\nname = \"ops@b.example\"\nbehavior_on_mx_failure = \"RejectMessage\"\n");

  policy::config cfg = *make_config("");
  cfg.relay.policy_dir = policy.string();
  std::vector<policy::config_error> errors;
  load_policy_dir(policy, cfg.identities, errors);
  REQUIRE(errors.empty());

  auto apply = [&](identity_change change) {
    policy_write_plan plan = plan_policy_write(cfg, change);
    REQUIRE(plan.errors.empty());
    CHECK(check_files_unchanged(cfg, plan.writes).empty());
    std::vector<policy::config_error> planned_errors;
    policy::config next = planned_config(cfg, plan.writes, planned_errors);
    REQUIRE(planned_errors.empty());
    REQUIRE(policy::validate_config(next).empty());
    write_policy_files(plan.writes);

    policy::identity_table reloaded;
    load_policy_dir(policy, reloaded, planned_errors);
    REQUIRE(planned_errors.empty());
    auto intended = apply_change(cfg.identities, change, {(policy / "admin-api.toml").string(), 0, 0});
    std::vector<declared> got = declarations(reloaded.all()), want = declarations(intended.all());
    auto by_name = [](const declared& x, const declared& y) { return x.name < y.name; };
    std::sort(got.begin(), got.end(), by_name);
    std::sort(want.begin(), want.end(), by_name);
    CHECK(got == want);
    cfg.identities = reloaded;
  };

  apply({identity_change::kind::set_mail_from, "ops@b.example", "bounce.b.example", std::nullopt});
  CHECK(cfg.identities.find("ops@b.example")->behavior == mx::reject_message);
  CHECK(read_file(policy / "b.toml").find("the operator's comment") == std::string::npos);
  apply({identity_change::kind::create, "new.example", {}, {}});
  CHECK(fs::exists(policy / "admin-api.toml"));
  identity_change quiet{identity_change::kind::set_feedback_forwarding, "ops@b.example", {}, {}};
  quiet.forward_feedback = false;
  apply(quiet);
  CHECK_FALSE(cfg.identities.find("ops@b.example")->forward_feedback);
  CHECK(cfg.identities.find("ops@b.example")->mail_from_domain == "bounce.b.example");
  CHECK(cfg.identities.find("b.example")->forward_feedback);
  apply({identity_change::kind::remove, "b.example", {}, {}});
  CHECK_FALSE(cfg.identities.find("ops@b.example")->forward_feedback);  // kept when its file is rewritten
  CHECK_FALSE(cfg.identities.find("b.example"));

  CHECK(read_file(policy / "a.toml") == a_text);  // never rewritten
  for (const auto& entry : fs::directory_iterator(policy))
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path());
}

TEST_CASE("check_files_unchanged refuses to overwrite a hand edit not reloaded yet") {
  temp_dir dir;
  fs::path file = dir.path() / "b.toml";
  write_file(file, "[[identity]]\nname = \"b.example\"\n");
  policy::config cfg = *make_config("");
  cfg.relay.policy_dir = dir.path().string();
  std::vector<policy::config_error> errors;
  load_policy_dir(dir.path(), cfg.identities, errors);
  REQUIRE(errors.empty());
  auto plan = plan_policy_write(cfg, {identity_change::kind::set_mail_from, "b.example", "m.b.example", {}});
  CHECK(check_files_unchanged(cfg, plan.writes).empty());

  // A comment alone changes nothing a reload would see.
  write_file(file, "# note\n[[identity]]\nname = \"b.example\"\n");
  CHECK(check_files_unchanged(cfg, plan.writes).empty());

  write_file(file, "[[identity]]\nname = \"b.example\"\nbehavior_on_mx_failure = \"RejectMessage\"\n");
  auto stale = check_files_unchanged(cfg, plan.writes);
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].where.file == file.string());
  CHECK(stale[0].message.starts_with("was changed since the policy was loaded"));

  // dkim / a BYODKIM selector added by hand: the API's rewrite would drop them.
  write_file(file, "[[identity]]\nname = \"b.example\"\ndkim = true\n");
  CHECK(check_files_unchanged(cfg, plan.writes).size() == 1);
  write_file(file, "[[identity]]\nname = \"b.example\"\ndkim_selector = \"s1\"\n");
  CHECK(check_files_unchanged(cfg, plan.writes).size() == 1);

  // forward_feedback switched off by hand: the API's rewrite would switch it back on.
  write_file(file, "[[identity]]\nname = \"b.example\"\nforward_feedback = false\n");
  stale = check_files_unchanged(cfg, plan.writes);
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].message.starts_with("was changed since the policy was loaded"));

  write_file(file, "[[identity]\nname = ");
  stale = check_files_unchanged(cfg, plan.writes);
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].message.starts_with("does not load as the running policy was loaded"));

  // admin-api.toml created by hand meanwhile.
  write_file(file, "[[identity]]\nname = \"b.example\"\n");
  write_file(dir.path() / "admin-api.toml", "[[identity]]\nname = \"hand.example\"\n");
  plan = plan_policy_write(cfg, {identity_change::kind::create, "new.example", {}, {}});
  REQUIRE(plan.writes.size() == 1);
  CHECK(check_files_unchanged(cfg, plan.writes).size() == 1);
}

TEST_CASE("write_file_durably replaces whole files, keeps their mode, leaves no temporary file") {
  temp_dir dir;
  fs::path file = dir.path() / "x.toml";
  write_file_durably(file, "one\n");
  CHECK(read_file(file) == "one\n");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);

  REQUIRE(::chmod(file.c_str(), 0600) == 0);
  write_file_durably(file, "two\n");
  CHECK(read_file(file) == "two\n");
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  write_file_durably(file, "");
  CHECK(read_file(file).empty());
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

  // A folder that does not exist: an error naming the path, nothing written.
  fs::path missing = dir.path() / "nope" / "y.toml";
  CHECK_THROWS_AS(write_file_durably(missing, "x"), std::system_error);
  try {
    write_file_durably(missing, "x");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find((dir.path() / "nope").string()) != std::string::npos);
    CHECK(e.code() == std::errc::no_such_file_or_directory);
  }
  // The target is a directory: rename fails, the temporary file is removed.
  fs::create_directory(dir.path() / "d.toml");
  fs::create_directory(dir.path() / "d.toml" / "inside");
  CHECK_THROWS_AS(write_file_durably(dir.path() / "d.toml", "x"), std::system_error);
  for (const auto& entry : fs::directory_iterator(dir.path()))
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path());
}

}  // namespace
}  // namespace mfrelay::relay
