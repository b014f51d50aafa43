// Sending identities (domains and email addresses) and their custom MAIL FROM
// settings, as operators declare them in policy.d. Pure values, any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <map>

#include "policy/domain_name.hpp"
#include "policy/origin.hpp"

namespace mfrelay::policy {

enum class identity_kind { domain, email_address };

enum class mx_failure_behavior { use_default_value, reject_message };

// Easy DKIM's key algorithm: RSA 2048 (rsa-sha256, the default) or Ed25519 (RFC 8463).
enum class dkim_key_kind { rsa, ed25519 };

// "UseDefaultValue" / "RejectMessage" (SES v1 spelling).
std::string_view to_string(mx_failure_behavior behavior);
// Accepts the SES v1 spelling and the v2 one (USE_DEFAULT_VALUE / REJECT_MESSAGE).
std::optional<mx_failure_behavior> parse_mx_failure_behavior(std::string_view text);

struct identity {
  std::string name;  // normalized: "example.com" or "local@example.com"
  identity_kind kind = identity_kind::domain;
  std::string mail_from_domain;  // normalized; empty = no custom MAIL FROM
  std::string mail_from_spelling;  // as the operator or client wrote it (case kept); "" = mail_from_domain
  mx_failure_behavior behavior = mx_failure_behavior::use_default_value;
  bool forward_feedback = true;  // bounces and complaints forwarded to the original sender (SES's default)
  // Easy DKIM (domain identities only): mfrelay keeps a key pair and three
  // selector tokens for it under state_dir and signs its mail.
  bool dkim = false;
  dkim_key_kind dkim_key_type = dkim_key_kind::rsa;
  // BYODKIM (SES SigningAttributesOrigin EXTERNAL): the operator's selector;
  // empty = Easy DKIM's tokens. The key is <state_dir>/dkim/<domain>/external.pem,
  // or dkim_private_key_file when set (a path, PEM).
  std::string dkim_selector;
  std::string dkim_private_key_file;
  origin where;                  // the [[identity]] table
  origin mail_from_where;        // the mail_from_domain key (or the table)
  // SES resource tags, Key -> Value; kept for API clients (Terraform reads
  // them back), no meaning to the relay.
  std::map<std::string, std::string> tags;

  // The domain the identity sends from: the identity itself, or an address's domain.
  std::string_view domain() const;
  bool has_mail_from() const { return !mail_from_domain.empty(); }
  // What the API reads back: the spelling given, which compares equal to
  // mail_from_domain case-insensitively (decisions use mail_from_domain).
  std::string_view mail_from_as_given() const {
    return mail_from_spelling.empty() ? std::string_view(mail_from_domain) : std::string_view(mail_from_spelling);
  }
};

struct identity_name {
  std::string name;
  identity_kind kind;
};

// Classifies and normalizes an identity name into the one form identities are
// matched on ("Example.COM." -> domain "example.com"; "Billing@Example.com" ->
// address "Billing@example.com"; "\"billing\"@dést.test" -> address
// "billing@xn--dst-bma.test", see email_address::canonical), or says why it
// is neither. U-labels need `to_ascii` (relay/ passes libidn2's). Names that
// hold bidirectional controls, invisible characters or control characters are
// refused: they would show as another identity in listings and logs.
struct identity_name_result {
  std::optional<identity_name> value;
  std::string error;
};
identity_name_result parse_identity_name(std::string_view text, idna_to_ascii to_ascii = nullptr);

// Why `text` may not be shown as a name: it holds a bidirectional control
// (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), an invisible
// character (U+200B-U+200D, U+2060, U+FEFF, U+00AD), a C0 or C1 control or
// DEL, or is not UTF-8. Empty when it has none of these.
std::string hidden_character_error(std::string_view text);

}  // namespace mfrelay::policy
