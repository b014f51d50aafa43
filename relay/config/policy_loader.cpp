// The policy.d half of config_loader.hpp: [[identity]] tables.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "policy/domain_name.hpp"
#include "relay/common/idna.hpp"
#include "relay/config/config_loader.hpp"
#include "relay/config/toml_section.hpp"
#include "relay/config/toml_text_guard.hpp"

namespace mfrelay::relay {
namespace {

// SES's Selector: one DNS label, 1-63 letters, digits and inner hyphens.
std::string dkim_selector_error(std::string_view v) {
  if (v.empty() || v.size() > 63) return "a DKIM selector has 1 to 63 characters";
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return "a DKIM selector has only letters, digits and hyphens, not '" + std::string(1, c) + "'";
  }
  if (v.front() == '-' || v.back() == '-') return "a DKIM selector neither starts nor ends with a hyphen";
  return "";
}

void load_identity(const toml::table& table, const std::string& file, policy::identity_table& identities,
                   std::vector<policy::config_error>& errors) {
  toml_section s(table, "[[identity]]", file, errors);
  std::string name, mail_from;
  s.read("name", name, nullptr, true);
  s.read("mail_from_domain", mail_from);
  policy::identity id;
  if (const toml::table* tags = s.table("tags")) {
    for (const auto& [key, value] : *tags) {
      const std::string* text = value.as_string() ? &value.as_string()->get() : nullptr;
      if (!text) {
        s.error("tags", "tag '" + std::string(key.str()) + "' must be a string");
        continue;
      }
      id.tags.emplace(std::string(key.str()), *text);
    }
  }
  s.read_choice("behavior_on_mx_failure", id.behavior,
                {{"UseDefaultValue", policy::mx_failure_behavior::use_default_value},
                 {"RejectMessage", policy::mx_failure_behavior::reject_message}});
  s.read("forward_feedback", id.forward_feedback);
  s.read("dkim", id.dkim);
  s.read_choice("dkim_key_type", id.dkim_key_type,
                {{"rsa", policy::dkim_key_kind::rsa}, {"ed25519", policy::dkim_key_kind::ed25519}});
  s.read("dkim_selector", id.dkim_selector, &dkim_selector_error);
  s.read("dkim_private_key_file", id.dkim_private_key_file);
  s.finish();
  if (name.empty()) return;
  // Names and domains are kept in the form they are matched on: U-labels
  // become A-labels here, so "dést.test" and "xn--dst-bma.test" are one identity.
  auto parsed = policy::parse_identity_name(name, &idna_to_ascii);
  if (!parsed.value) return s.error("name", parsed.error);
  id.name = parsed.value->name;
  id.kind = parsed.value->kind;
  // As in SES, Easy DKIM belongs to a domain; an address identity's mail is
  // signed with its domain's keys.
  if (id.dkim && id.kind != policy::identity_kind::domain)
    return s.error("dkim", "Easy DKIM needs a domain identity; '" + id.name +
                               "' is an email address (enable DKIM on its domain's identity)");
  if (!id.dkim_selector.empty() && id.kind != policy::identity_kind::domain)
    return s.error("dkim_selector", "BYODKIM needs a domain identity; '" + id.name + "' is an email address");
  if (!id.dkim_private_key_file.empty() && id.dkim_selector.empty())
    return s.error("dkim_private_key_file", "a BYODKIM key needs its dkim_selector");
  id.mail_from_domain = policy::normalize_domain(mail_from);
  if (std::any_of(mail_from.begin(), mail_from.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    policy::domain_forms forms = policy::parse_domain(mail_from, &idna_to_ascii);
    if (!forms.error.empty())
      return s.error("mail_from_domain",
                     "MAIL FROM domain '" + mail_from + "' is not a valid hostname: " + forms.error);
    id.mail_from_domain = forms.ascii;
  }
  if (mail_from != id.mail_from_domain) id.mail_from_spelling = mail_from;
  id.where = s.where();
  id.mail_from_where = s.has("mail_from_domain") ? s.where("mail_from_domain") : s.where();
  policy::origin where = id.where;
  if (const policy::identity* earlier = identities.add(std::move(id)))
    errors.push_back({where, "identity '" + earlier->name + "' is already declared at " + to_string(earlier->where)});
}

}  // namespace

bool read_text_file(const std::filesystem::path& path, std::string& out, std::vector<policy::config_error>& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec(errno, std::generic_category());
    errors.push_back({{path.string(), 0, 0}, "cannot read: " + ec.message()});
    return false;
  }
  // One buffer of the file's size: a stringstream grows by doubling and then
  // copies, three times the file at once (a 10^5-identity policy file is 7 MB).
  out.clear();
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(path, size_error);
  if (!size_error) {
    out.resize(static_cast<std::size_t>(size));
    in.read(out.data(), static_cast<std::streamsize>(size));
    out.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (in) out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());  // grew meanwhile
  if (in.bad()) {
    errors.push_back({{path.string(), 0, 0}, "cannot read: input/output error"});
    return false;
  }
  return true;
}

void load_policy_text(std::string_view text, const std::string& file, policy::identity_table& identities,
                      std::vector<policy::config_error>& errors) {
  if (!toml_text_supported(text, file, errors)) return;
  toml::parse_result parsed = toml::parse(text, file);
  if (!parsed) {
    errors.push_back({to_origin(parsed.error().source(), file), std::string(parsed.error().description())});
    return;
  }
  toml_section top(parsed.table(), "policy file", file, errors);
  if (top.tables("identity")) {
    // Each [[identity]] table is dropped once converted: the parsed tree is
    // several times the size of the identities it yields, and would
    // otherwise sit beside all of them at the daemon's start.
    toml::array& entries = *parsed.table().get_as<toml::array>("identity");
    identities.reserve_more(entries.size());
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      load_identity(*it->as_table(), file, identities, errors);
      it = entries.replace(it, toml::table{});
    }
  }
  top.finish();
}

std::vector<policy_text> read_policy_dir(const std::filesystem::path& dir, std::vector<policy::config_error>& errors) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml" && entry.is_regular_file()) files.push_back(entry.path());
  }
  std::vector<policy_text> out;
  if (ec) {
    errors.push_back({{dir.string(), 0, 0}, "cannot read the policy directory: " + ec.message()});
    return out;
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    policy_text t{path.filename().string(), {}};
    if (read_text_file(path, t.text, errors)) out.push_back(std::move(t));
  }
  return out;
}

void load_policy_dir(const std::filesystem::path& dir, policy::identity_table& identities,
                     std::vector<policy::config_error>& errors) {
  for (const auto& t : read_policy_dir(dir, errors)) load_policy_text(t.text, (dir / t.name).string(), identities, errors);
}

}  // namespace mfrelay::relay
