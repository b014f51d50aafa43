// The policy decision for one message: which envelope sender it gets, or why
// it is refused, with the SMTP reply and a human reason. Pure: all inputs are
// parameters (the live states come in as a snapshot). Any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/email_address.hpp"
#include "policy/identity.hpp"
#include "policy/identity_table.hpp"
#include "policy/smtp_reply.hpp"
#include "policy/state_snapshot.hpp"
#include "policy/user.hpp"

namespace mfrelay::policy {

enum class decision_kind {
  custom,          // envelope sender <id>@<custom MAIL FROM domain>
  default_domain,  // envelope sender <id>@<regional default domain>
  reject,
};
std::string_view to_string(decision_kind kind);  // "custom", "default", "reject"

enum class reject_reason {
  none,
  identity_not_verified,         // From or envelope sender matches no identity
  not_authorized,                // the user may not send as the identity
  mail_from_domain_not_verified, // RejectMessage while the custom domain is not Success
};
// "IdentityNotVerified", "NotAuthorized", "MailFromDomainNotVerified", ""
std::string_view to_string(reject_reason reason);

// An address a request refers to, or none. It never owns the address: the
// caller's (a named variable, or a temporary of the full expression that calls
// decide()) lives through the decision, and a decision costs no copies of it.
class address_ref {
 public:
  address_ref() = default;
  address_ref(std::nullopt_t) {}
  address_ref(const email_address& address) : address_(&address) {}  // also a temporary of the call's expression
  address_ref(const std::optional<email_address>& address) : address_(address ? &*address : nullptr) {}
  explicit operator bool() const { return address_ != nullptr; }
  const email_address& operator*() const { return *address_; }
  const email_address* operator->() const { return address_; }

 private:
  const email_address* address_ = nullptr;
};

struct decision_request {
  // The RFC 5322 From address. Absent for the early check at MAIL, when the
  // envelope sender stands in for it.
  address_ref from;
  // The envelope sender the client gave; absent for the null reverse-path <>.
  address_ref sender;
  // The authenticated user; nullptr skips the authorisation check (explain).
  const user* sender_user = nullptr;
  // Fill decision::explanation. The SMTP path, which never shows it, passes
  // false: composing it costs more than the rest of the decision.
  bool explain = true;
};

struct policy_context {
  const identity_table& identities;
  const state_snapshot& states;
  std::string_view region;                    // "us-west-2"
  std::string_view default_mail_from_domain;  // "us-west-2.amazonses.com"
};

struct decision {
  decision_kind kind = decision_kind::reject;
  reject_reason reason = reject_reason::none;
  smtp_reply reply;            // the rejection; empty code for acceptance
  std::string explanation;     // why, for operators and `mfrelay explain`; empty unless request.explain
  // The identity governing From: it points into policy_context::identities,
  // so a decision is used while that table lives (the transaction's config).
  const identity* matched = nullptr;
  std::optional<mail_from_status> status;     // of its custom MAIL FROM domain, when it has one
  std::string mail_from_domain;               // the domain of the new envelope sender (empty on reject)

  bool accepted() const { return kind != decision_kind::reject; }
};

decision decide(const decision_request& request, const policy_context& context);

}  // namespace mfrelay::policy
