#include "relay/admin/policy_toml.hpp"

namespace mfrelay::relay {

std::string toml_string(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + '"';
}

std::string render_policy_file(const std::vector<policy::identity>& identities) {
  std::string out =
      "# Identity policy written by mfrelay's admin API (SES SetIdentityMailFromDomain,\n"
      "# VerifyDomainIdentity, PutEmailIdentityMailFromAttributes, ...).\n"
      "# mfrelay rewrites this whole file from the identities it declares whenever\n"
      "# the API changes one of them: comments and formatting added here are not kept.\n";
  if (identities.empty()) out += "# (no identities left)\n";
  for (const auto& id : identities) {
    out += "\n[[identity]]\n";
    out += "name = " + toml_string(id.name) + '\n';
    if (id.has_mail_from()) out += "mail_from_domain = " + toml_string(id.mail_from_as_given()) + '\n';
    out += "behavior_on_mx_failure = " + toml_string(to_string(id.behavior)) + '\n';
    if (!id.forward_feedback) out += "forward_feedback = false\n";
    if (id.dkim) out += "dkim = true\n";
    if (id.dkim_key_type == policy::dkim_key_kind::ed25519) out += "dkim_key_type = \"ed25519\"\n";
    if (!id.dkim_selector.empty()) out += "dkim_selector = " + toml_string(id.dkim_selector) + '\n';
    if (!id.dkim_private_key_file.empty())
      out += "dkim_private_key_file = " + toml_string(id.dkim_private_key_file) + '\n';
    if (!id.tags.empty()) {
      std::string tags;
      for (const auto& [key, value] : id.tags) tags += (tags.empty() ? "" : ", ") + toml_string(key) + " = " + toml_string(value);
      out += "tags = { " + tags + " }\n";
    }
  }
  return out;
}

}  // namespace mfrelay::relay
