#include "policy/decision.hpp"

#include <vector>

namespace mfrelay::policy {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

decision reject(reject_reason reason, std::string text, std::string explanation) {
  decision d;
  d.kind = decision_kind::reject;
  d.reason = reason;
  d.reply = {554, "5.7.1", std::move(text)};
  d.explanation = std::move(explanation);
  return d;
}

}  // namespace

std::string_view to_string(decision_kind kind) {
  switch (kind) {
    case decision_kind::custom: return "custom";
    case decision_kind::default_domain: return "default";
    case decision_kind::reject: return "reject";
  }
  return "reject";
}

std::string_view to_string(reject_reason reason) {
  switch (reason) {
    case reject_reason::none: return "";
    case reject_reason::identity_not_verified: return "IdentityNotVerified";
    case reject_reason::not_authorized: return "NotAuthorized";
    case reject_reason::mail_from_domain_not_verified: return "MailFromDomainNotVerified";
  }
  return "";
}

decision decide(const decision_request& request, const policy_context& context) {
  const address_ref from = request.from ? request.from : request.sender;

  // 1. Every address the message claims must belong to a declared identity.
  //    SES lists the sender, then the From address.
  std::vector<std::string> unverified;
  const identity* sender_identity = nullptr;
  if (request.sender) {
    sender_identity = context.identities.match(*request.sender);
    if (!sender_identity) unverified.push_back(request.sender->str());
  }
  // Usually From and the envelope sender are one address: match it once.
  const identity* from_identity = !from                                      ? nullptr
                                  : request.sender && *from == *request.sender ? sender_identity
                                                                             : context.identities.match(*from);
  if (!from) {
    return reject(reject_reason::identity_not_verified,
                  "Message rejected: Email address is not verified. The following identities failed the check in region " +
                      upper(context.region) + ": <>",
                  request.explain ? "the message names no sender: the envelope sender is <> and there is no From address"
                                  : std::string());
  }
  if (!from_identity && (unverified.empty() || unverified.back() != from->str())) unverified.push_back(from->str());
  if (!unverified.empty()) {
    std::string list;
    for (const auto& address : unverified) {
      if (!list.empty()) list += ", ";
      list += address;
    }
    auto d = reject(reject_reason::identity_not_verified,
                    "Message rejected: Email address is not verified. The following identities failed the check in region " +
                        upper(context.region) + ": " + list,
                    request.explain ? "no declared identity covers " + list : std::string());
    if (from_identity) d.matched = from_identity;  // events still name the From identity
    return d;
  }

  // 2. The user must be allowed to send as both identities.
  if (request.sender_user) {
    for (const identity* id : {sender_identity, from_identity}) {
      if (id && !request.sender_user->may_send_as(*id)) {
        auto d = reject(reject_reason::not_authorized,
                        "Access denied: User " + request.sender_user->name +
                            " is not authorized to perform ses:SendRawEmail on resource identity/" + id->name,
                        request.explain ? "user " + request.sender_user->name + " may not send as identity " + id->name
                                        : std::string());
        d.matched = from_identity;
        return d;
      }
    }
  }

  // 3. The From identity's MAIL FROM setting applies whole.
  decision d;
  d.matched = from_identity;
  const identity& id = *from_identity;
  if (!id.has_mail_from()) {
    d.kind = decision_kind::default_domain;
    d.mail_from_domain = std::string(context.default_mail_from_domain);
    if (request.explain)
      d.explanation = "identity " + id.name + " has no custom MAIL FROM domain; the regional default " +
                      d.mail_from_domain + " is used";
    return d;
  }
  // The state lookup probes with the key identity_table computed when the
  // identity was added, then compares both strings with the stored setting;
  // with 10^6 identities neither is in cache. Asking for both now overlaps
  // their misses with the probe's. (A compiler hint: no library, no I/O.)
  __builtin_prefetch(id.mail_from_domain.data());
  __builtin_prefetch(id.name.data());
  mail_from_status status = context.states.status_of(context.identities.state_key(id), id.name, id.mail_from_domain);
  d.status = status;
  if (status == mail_from_status::success) {
    d.kind = decision_kind::custom;
    d.mail_from_domain = id.mail_from_domain;
    if (request.explain)
      d.explanation = "identity " + id.name + " has MAIL FROM domain " + id.mail_from_domain + " in state Success";
    return d;
  }
  std::string state_text;
  if (request.explain) {
    state_text = "MAIL FROM domain " + id.mail_from_domain + " of identity " + id.name + " is in state " +
                 std::string(to_string(status));
  }
  if (id.behavior == mx_failure_behavior::reject_message) {
    auto r = reject(reject_reason::mail_from_domain_not_verified,
                    "Message rejected: MailFromDomainNotVerified. The message could not be sent because the MX record "
                    "required to use the MAIL FROM domain " + id.mail_from_domain + " could not be read (status " +
                        std::string(to_string(status)) + ")",
                    request.explain ? state_text + " and its behavior on MX failure is RejectMessage" : std::string());
    r.matched = &id;
    r.status = status;
    return r;
  }
  d.kind = decision_kind::default_domain;
  d.mail_from_domain = std::string(context.default_mail_from_domain);
  if (request.explain)
    d.explanation = state_text + "; with UseDefaultValue the regional default " + d.mail_from_domain + " is used";
  return d;
}

}  // namespace mfrelay::policy
