#include "policy/identity.hpp"

#include "policy/domain_name.hpp"
#include "policy/email_address.hpp"
#include "policy/utf8.hpp"

namespace mfrelay::policy {

std::string_view to_string(mx_failure_behavior behavior) {
  switch (behavior) {
    case mx_failure_behavior::use_default_value: return "UseDefaultValue";
    case mx_failure_behavior::reject_message: return "RejectMessage";
  }
  return "UseDefaultValue";
}

std::optional<mx_failure_behavior> parse_mx_failure_behavior(std::string_view text) {
  if (text == "UseDefaultValue" || text == "USE_DEFAULT_VALUE") return mx_failure_behavior::use_default_value;
  if (text == "RejectMessage" || text == "REJECT_MESSAGE") return mx_failure_behavior::reject_message;
  return std::nullopt;
}

std::string_view identity::domain() const {
  if (kind == identity_kind::domain) return name;
  return std::string_view(name).substr(name.rfind('@') + 1);
}

namespace {

std::string_view hidden_kind(char32_t cp) {
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
      cp == 0x061c)
    return "a bidirectional control";
  if ((cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff || cp == 0x00ad) return "an invisible character";
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return "a control character";
  return {};
}

std::string code_point_name(char32_t cp) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string digits;
  for (int shift = cp > 0xffff ? 20 : 12; shift >= 0; shift -= 4) digits += hex[(cp >> shift) & 0xf];
  return "U+" + digits;
}

// `text` with every hidden or control character shown as <U+XXXX>, so that an
// error message cannot itself be reordered or hidden by what it reports.
std::string visible(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t start = i;
    std::optional<char32_t> cp = next_code_point(text, i);
    if (!cp) {
      out += "<invalid UTF-8>";
      ++i;
    } else if (!hidden_kind(*cp).empty()) {
      out += "<" + code_point_name(*cp) + ">";
    } else {
      out += text.substr(start, i - start);
    }
  }
  return out;
}

}  // namespace

std::string hidden_character_error(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::optional<char32_t> cp = next_code_point(text, i);
    if (!cp) return "'" + visible(text) + "' is not valid UTF-8";
    if (std::string_view kind = hidden_kind(*cp); !kind.empty()) {
      return "'" + visible(text) + "' holds " + code_point_name(*cp) + ", " + std::string(kind) +
             ": a name must not hide, reorder or disguise its characters";
    }
  }
  return {};
}

identity_name_result parse_identity_name(std::string_view text, idna_to_ascii to_ascii) {
  if (std::string why = hidden_character_error(text); !why.empty()) return {std::nullopt, why};
  if (text.find('@') != std::string_view::npos) {
    email_address_result address = check_email_address(text, to_ascii);
    if (!address.value)
      return {std::nullopt, "'" + std::string(text) + "' is not a valid email address: " + address.error};
    if (address.value->domain.front() == '[')
      return {std::nullopt, "'" + std::string(text) +
                                "' is not a valid email address: an identity's domain must be a domain name, not an "
                                "address literal"};
    return {identity_name{address.value->canonical(), identity_kind::email_address}, {}};
  }
  domain_forms domain = parse_domain(text, to_ascii);
  if (!domain.error.empty())
    return {std::nullopt, "'" + std::string(text) + "' is not a valid domain: " + domain.error};
  return {identity_name{std::move(domain.ascii), identity_kind::domain}, {}};
}

}  // namespace mfrelay::policy
