#include "relay/admin/ses_query_api.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <spdlog/spdlog.h>

#include "policy/domain_name.hpp"
#include "relay/admin/api_error.hpp"
#include "relay/admin/change_request.hpp"
#include "relay/admin/dkim_attributes.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/identity_pages.hpp"
#include "relay/admin/uri_encoding.hpp"
#include "relay/admin/xml_writer.hpp"
#include "relay/common/clock.hpp"
#include "relay/auth/base64.hpp"
#include "relay/common/sha256.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {
namespace {

using params = std::multimap<std::string, std::string>;
constexpr std::string_view api_version = "2010-12-01";
constexpr std::size_t max_attribute_identities = 100;  // SES: "up to 100 identities at a time"
constexpr std::size_t max_list_items = 1000;           // ListIdentities MaxItems: 1-1000

http_response xml_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "text/xml";
  r.body = std::move(body);
  return r;
}

// <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...</ResponseMetadata></ActionResponse>
template <class Fill>
http_response result(std::string_view action, std::string_view request_id, Fill fill) {
  xml_writer w(std::string(action) + "Response", ses_xmlns);
  w.open(std::string(action) + "Result");
  fill(w);
  w.close();
  w.open("ResponseMetadata").element("RequestId", request_id).close();
  return xml_response(200, w.finish());
}

http_response empty_result(std::string_view action, std::string_view request_id) {
  xml_writer w(std::string(action) + "Response", ses_xmlns);
  w.empty(std::string(action) + "Result");
  w.open("ResponseMetadata").element("RequestId", request_id).close();
  return xml_response(200, w.finish());
}

// The first value given (the query string's before the body's).
std::optional<std::string> param(const params& p, const std::string& name) {
  auto it = p.lower_bound(name);
  if (it == p.end() || it->first != name) return std::nullopt;
  return it->second;
}

std::string required(const params& p, const std::string& name) {
  auto value = param(p, name);
  if (!value || value->empty())
    throw api_error(400, "MissingParameter", "The request must contain the parameter " + name + ".");
  return *value;
}

// "Identities.member.1", "Identities.member.2", ... in member order; an empty
// list arrives as "Identities=" (botocore) or not at all.
std::vector<std::string> member_list(const params& p, const std::string& name) {
  const std::string prefix = name + ".member.";
  std::map<unsigned long, std::string> members;
  bool present = p.contains(name);
  for (auto it = p.lower_bound(prefix); it != p.end() && it->first.starts_with(prefix); ++it) {
    std::string_view index = std::string_view(it->first).substr(prefix.size());
    unsigned long n = 0;
    auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
    if (ec != std::errc() || end != index.data() + index.size() || n == 0)
      throw api_error(400, "InvalidParameterValue", "Invalid list member parameter " + it->first + ".");
    members.emplace(n, it->second);
    present = true;
  }
  if (!present) throw api_error(400, "MissingParameter", "The request must contain the parameter " + name + ".");
  std::vector<std::string> out;
  for (auto& [n, value] : members) out.push_back(std::move(value));
  return out;
}

// Identities.member.N of the Get*Attributes actions, at most 100.
std::vector<std::string> requested_identities(const params& p) {
  std::vector<std::string> requested = member_list(p, "Identities");
  if (requested.size() > max_attribute_identities)
    throw api_error(400, "InvalidParameterValue",
                    "Identities may name at most " + std::to_string(max_attribute_identities) + " identities, not " +
                        std::to_string(requested.size()) + ".");
  return requested;
}

// Calls each(key, identity) for every declared identity `requested` names, in
// the order asked, once per key as the client spelled it; unknown or malformed
// names are left out, as SES does in the Get*Attributes answers.
template <class Each>
void for_each_declared(const std::vector<std::string>& requested, const policy::config& cfg, Each each) {
  std::set<std::string> written;
  for (const auto& given : requested) {
    auto parsed = policy::parse_identity_name(given);
    if (!parsed.value || !written.insert(given).second) continue;
    if (const policy::identity* id = cfg.identities.find(parsed.value->name)) each(given, *id);
  }
}

policy::identity_name parse_name(const std::string& text) {
  auto parsed = policy::parse_identity_name(text);
  if (!parsed.value) throw api_error(400, "InvalidParameterValue", parsed.error);
  return *parsed.value;
}

[[noreturn]] void enum_error(std::string_view value, std::string_view member, std::string_view allowed) {
  throw api_error(400, "ValidationError",
                  "1 validation error detected: Value '" + std::string(value) + "' at '" + std::string(member) +
                      "' failed to satisfy constraint: Member must satisfy enum value set: [" + std::string(allowed) +
                      "]");
}

std::optional<policy::mx_failure_behavior> v1_behavior(const params& p) {
  auto text = param(p, "BehaviorOnMXFailure");
  if (!text || text->empty()) return std::nullopt;
  if (*text == "UseDefaultValue") return policy::mx_failure_behavior::use_default_value;
  if (*text == "RejectMessage") return policy::mx_failure_behavior::reject_message;
  enum_error(*text, "behaviorOnMXFailure", "RejectMessage, UseDefaultValue");
}

// A query-protocol boolean: botocore and the aws CLI send "true" / "false".
bool required_boolean(const params& p, const std::string& name) {
  std::string text = required(p, name);
  if (text == "true") return true;
  if (text == "false") return false;
  throw api_error(400, "InvalidParameterValue",
                  "Value " + text + " for parameter " + name + " is invalid: it must be true or false.");
}

params request_params(const http_request& request) {
  params p = request.query;
  if (request.body.empty()) return p;
  auto type = request.headers.find("content-type");
  if (type != request.headers.end() && !type->second.starts_with("application/x-www-form-urlencoded"))
    throw api_error(400, "InvalidParameterValue",
                    "The request body must be application/x-www-form-urlencoded, not " + type->second + ".");
  params form = parse_query(request.body, true);
  p.merge(form);
  return p;
}

}  // namespace

std::string verification_token(std::string_view domain) {
  sha256 h;
  h.update("mfrelay domain verification token\n");
  h.update(domain);
  auto digest = h.finish();
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

boost::asio::awaitable<http_response> ses_query_api::handle(const http_request& request, std::string request_id) {
  using action_fn = boost::asio::awaitable<http_response> (ses_query_api::*)(const params&, const std::string&);
  static const std::map<std::string, action_fn, std::less<>> actions{
      {"DeleteIdentity", &ses_query_api::delete_identity},
      {"GetIdentityDkimAttributes", &ses_query_api::get_identity_dkim_attributes},
      {"SetIdentityDkimEnabled", &ses_query_api::set_identity_dkim_enabled},
      {"VerifyDomainDkim", &ses_query_api::verify_domain_dkim},
      {"GetIdentityMailFromDomainAttributes", &ses_query_api::get_identity_mail_from_domain_attributes},
      {"GetIdentityNotificationAttributes", &ses_query_api::get_identity_notification_attributes},
      {"GetIdentityVerificationAttributes", &ses_query_api::get_identity_verification_attributes},
      {"GetSendQuota", &ses_query_api::get_send_quota},
      {"GetSendStatistics", &ses_query_api::get_send_statistics},
      {"ListIdentities", &ses_query_api::list_identities},
      {"SetIdentityFeedbackForwardingEnabled", &ses_query_api::set_identity_feedback_forwarding_enabled},
      {"SetIdentityMailFromDomain", &ses_query_api::set_identity_mail_from_domain},
      {"VerifyDomainIdentity", &ses_query_api::verify_domain_identity},
      {"VerifyEmailIdentity", &ses_query_api::verify_email_identity},
  };
  std::optional<api_error> failure;
  try {
    params p = request_params(request);
    auto action = param(p, "Action");
    if (!action || action->empty())
      throw api_error(400, "MissingAction", "The request must contain the parameter Action.");
    std::string version = required(p, "Version");
    if (version != api_version)
      throw api_error(400, "NoSuchVersion", "The requested version (" + version +
                                                ") of service AmazonSimpleEmailService does not exist.");
    auto found = actions.find(*action);
    if (found == actions.end())
      throw api_error(400, "InvalidAction",
                      "Could not find operation " + *action + " for version " + std::string(api_version) + ".");
    co_return co_await (this->*(found->second))(p, request_id);
  } catch (const api_error& e) {
    failure = e;
  }
  if (!failure->detail.empty()) spdlog::warn("admin request {}: refused: {}", request_id, failure->detail);
  co_return aws_error_response(aws_error_shape::query_xml, failure->status, failure->code,
                               failure->what(), request_id);
}

boost::asio::awaitable<http_response> ses_query_api::set_identity_mail_from_domain(const params& p,
                                                                                   const std::string& request_id) {
  std::string given = required(p, "Identity");
  policy::identity_name name = parse_name(given);
  std::optional<policy::mx_failure_behavior> behavior = v1_behavior(p);
  if (!backend_.config()->identities.find(name.name))
    throw api_error(400, "InvalidParameterValue", "Identity <" + given + "> does not exist.");

  identity_change change;
  change.what = identity_change::kind::set_mail_from;
  change.identity = name.name;
  // Kept as spelled (read back so, compared case-insensitively); a trailing dot goes.
  std::string domain = param(p, "MailFromDomain").value_or("");
  if (domain.ends_with('.')) domain.pop_back();
  change.mail_from_domain = std::move(domain);
  // The call replaces the whole setting, as SES does: an omitted behavior is
  // UseDefaultValue, not the one set before.
  change.behavior = behavior.value_or(policy::mx_failure_behavior::use_default_value);
  co_await request_change(backend_, std::move(change), "InvalidParameterValue");
  co_return empty_result("SetIdentityMailFromDomain", request_id);
}

boost::asio::awaitable<http_response> ses_query_api::get_identity_mail_from_domain_attributes(
    const params& p, const std::string& request_id) {
  std::vector<std::string> requested = requested_identities(p);
  auto cfg = backend_.config();
  std::vector<identity_status> rows = join_states(*cfg, backend_.stored_states());
  std::map<std::string_view, const identity_status*> by_name;
  for (const auto& row : rows) by_name.emplace(row.identity->name, &row);

  co_return result("GetIdentityMailFromDomainAttributes", request_id, [&](xml_writer& w) {
    w.open("MailFromDomainAttributes");
    for_each_declared(requested, *cfg, [&](const std::string& given, const policy::identity& declared) {
      auto found = by_name.find(declared.name);
      if (found == by_name.end()) return;
      const identity_status& row = *found->second;
      const policy::identity& id = *row.identity;
      w.open("entry").element("key", given).open("value");
      if (id.has_mail_from()) {
        w.element("MailFromDomain", id.mail_from_as_given());
        w.element("MailFromDomainStatus", to_string(*row.status()));
      }
      w.element("BehaviorOnMXFailure", to_string(id.behavior));
      w.close().close();
    });
    w.close();
  });
}

boost::asio::awaitable<http_response> ses_query_api::set_identity_feedback_forwarding_enabled(
    const params& p, const std::string& request_id) {
  std::string given = required(p, "Identity");
  policy::identity_name name = parse_name(given);
  bool enabled = required_boolean(p, "ForwardingEnabled");
  if (!backend_.config()->identities.find(name.name))
    throw api_error(400, "InvalidParameterValue", "Identity <" + given + "> does not exist.");
  // SES lets forwarding be turned off only once SNS topics take bounces and
  // complaints; mfrelay has no SNS, and its event log and webhook always
  // carry them, so it is never refused.
  identity_change change;
  change.what = identity_change::kind::set_feedback_forwarding;
  change.identity = name.name;
  change.forward_feedback = enabled;
  co_await request_change(backend_, std::move(change), "InvalidParameterValue");
  co_return empty_result("SetIdentityFeedbackForwardingEnabled", request_id);
}

boost::asio::awaitable<http_response> ses_query_api::get_identity_notification_attributes(
    const params& p, const std::string& request_id) {
  std::vector<std::string> requested = requested_identities(p);
  auto cfg = backend_.config();
  co_return result("GetIdentityNotificationAttributes", request_id, [&](xml_writer& w) {
    w.open("NotificationAttributes");
    for_each_declared(requested, *cfg, [&](const std::string& given, const policy::identity& id) {
      // No BounceTopic / ComplaintTopic / DeliveryTopic: no SNS topic is ever set.
      w.open("entry").element("key", given).open("value");
      w.element("ForwardingEnabled", id.forward_feedback ? "true" : "false");
      w.element("HeadersInBounceNotificationsEnabled", "false");
      w.element("HeadersInComplaintNotificationsEnabled", "false");
      w.element("HeadersInDeliveryNotificationsEnabled", "false");
      w.close().close();
    });
    w.close();
  });
}

boost::asio::awaitable<http_response> ses_query_api::get_identity_verification_attributes(
    const params& p, const std::string& request_id) {
  std::vector<std::string> requested = requested_identities(p);
  auto cfg = backend_.config();
  co_return result("GetIdentityVerificationAttributes", request_id, [&](xml_writer& w) {
    w.open("VerificationAttributes");
    for_each_declared(requested, *cfg, [&](const std::string& given, const policy::identity& id) {
      // Declared by the operator: verified. The token only for domains, as in SES.
      w.open("entry").element("key", given).open("value").element("VerificationStatus", "Success");
      if (id.kind == policy::identity_kind::domain) w.element("VerificationToken", verification_token(id.name));
      w.close().close();
    });
    w.close();
  });
}

boost::asio::awaitable<http_response> ses_query_api::list_identities(const params& p, const std::string& request_id) {
  std::optional<policy::identity_kind> kind;
  if (auto type = param(p, "IdentityType"); type && !type->empty()) {
    if (*type == "Domain") kind = policy::identity_kind::domain;
    else if (*type == "EmailAddress") kind = policy::identity_kind::email_address;
    else enum_error(*type, "identityType", "EmailAddress, Domain");
  }
  std::size_t max_items = max_list_items;
  if (auto text = param(p, "MaxItems"); text && !text->empty()) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), max_items);
    if (ec != std::errc() || end != text->data() + text->size() || max_items < 1 || max_items > max_list_items)
      throw api_error(400, "InvalidParameterValue", "MaxItems must be an integer from 1 to 1000, not " + *text + ".");
  }
  auto cfg = backend_.config();
  auto page = page_identities(cfg->identities, kind, max_items, param(p, "NextToken").value_or(""));
  if (!page) throw api_error(400, "InvalidParameterValue", "The NextToken is not one ListIdentities returned.");
  co_return result("ListIdentities", request_id, [&](xml_writer& w) {
    w.open("Identities");
    for (const auto* id : page->items) w.element("member", id->name);
    w.close();
    if (!page->next_token.empty()) w.element("NextToken", page->next_token);
  });
}

boost::asio::awaitable<http_response> ses_query_api::verify_domain_identity(const params& p,
                                                                            const std::string& request_id) {
  std::string given = required(p, "Domain");
  policy::identity_name name = parse_name(given);
  if (name.kind != policy::identity_kind::domain)
    throw api_error(400, "InvalidParameterValue",
                    "Domain <" + given + "> is an email address: verify it with VerifyEmailIdentity.");
  if (!backend_.config()->identities.find(name.name)) {
    identity_change change;
    change.what = identity_change::kind::create;
    change.identity = name.name;
    co_await request_change(backend_, std::move(change), "InvalidParameterValue");
  }
  co_return result("VerifyDomainIdentity", request_id,
                   [&](xml_writer& w) { w.element("VerificationToken", verification_token(name.name)); });
}

boost::asio::awaitable<http_response> ses_query_api::verify_email_identity(const params& p,
                                                                           const std::string& request_id) {
  std::string given = required(p, "EmailAddress");
  policy::identity_name name = parse_name(given);
  if (name.kind != policy::identity_kind::email_address)
    throw api_error(400, "InvalidParameterValue",
                    "EmailAddress <" + given + "> is a domain: verify it with VerifyDomainIdentity.");
  if (!backend_.config()->identities.find(name.name)) {
    identity_change change;
    change.what = identity_change::kind::create;
    change.identity = name.name;
    co_await request_change(backend_, std::move(change), "InvalidParameterValue");
  }
  co_return empty_result("VerifyEmailIdentity", request_id);
}

boost::asio::awaitable<http_response> ses_query_api::delete_identity(const params& p, const std::string& request_id) {
  policy::identity_name name = parse_name(required(p, "Identity"));
  // Deleting an identity that is not there succeeds, as in SES.
  if (backend_.config()->identities.find(name.name)) {
    identity_change change;
    change.what = identity_change::kind::remove;
    change.identity = name.name;
    co_await request_change(backend_, std::move(change), "InvalidParameterValue");
  }
  co_return empty_result("DeleteIdentity", request_id);
}

boost::asio::awaitable<http_response> ses_query_api::verify_domain_dkim(const params& p,
                                                                        const std::string& request_id) {
  std::string given = required(p, "Domain");
  policy::identity_name name = parse_name(given);
  if (name.kind != policy::identity_kind::domain)
    throw api_error(400, "InvalidParameterValue", "Domain <" + given + "> is an email address: DKIM is set on its domain.");
  const policy::identity* id = backend_.config()->identities.find(name.name);
  if (!id) throw api_error(400, "InvalidParameterValue", "Identity <" + given + "> does not exist.");
  // Enables Easy DKIM (a BYODKIM key gives way to it, as in SES); the reload
  // that applies the change generates the keys.
  if (!id->dkim || !id->dkim_selector.empty()) {
    identity_change change;
    change.what = identity_change::kind::set_dkim_signing;
    change.identity = name.name;
    co_await request_change(backend_, std::move(change), "InvalidParameterValue");
  }
  auto keys = backend_.dkim_keys(name.name);
  if (!keys || keys->external()) {
    api_error e(500, "InternalFailure", "The DKIM keys of " + given + " could not be made; the relay's log says why.");
    e.detail = "no Easy DKIM keys for " + name.name + " after the change";
    throw e;
  }
  co_return result("VerifyDomainDkim", request_id, [&](xml_writer& w) {
    w.open("DkimTokens");
    for (const auto& t : keys->tokens) w.element("member", t);
    w.close();
  });
}

boost::asio::awaitable<http_response> ses_query_api::get_identity_dkim_attributes(const params& p,
                                                                                  const std::string& request_id) {
  std::vector<std::string> requested = requested_identities(p);
  auto cfg = backend_.config();
  co_return result("GetIdentityDkimAttributes", request_id, [&](xml_writer& w) {
    w.open("DkimAttributes");
    for_each_declared(requested, *cfg, [&](const std::string& given, const policy::identity& id) {
      dkim_view view = dkim_view_of(backend_, id);
      w.open("entry").element("key", given).open("value");
      w.element("DkimEnabled", view.signing_enabled ? "true" : "false");
      w.element("DkimVerificationStatus", to_v1_string(view.status));
      if (!view.tokens.empty()) {
        w.open("DkimTokens");
        for (const auto& t : view.tokens) w.element("member", t);
        w.close();
      }
      w.close().close();
    });
    w.close();
  });
}

boost::asio::awaitable<http_response> ses_query_api::set_identity_dkim_enabled(const params& p,
                                                                               const std::string& request_id) {
  std::string given = required(p, "Identity");
  policy::identity_name name = parse_name(given);
  bool enabled = required_boolean(p, "DkimEnabled");
  const policy::identity* id = backend_.config()->identities.find(name.name);
  if (!id) throw api_error(400, "InvalidParameterValue", "Identity <" + given + "> does not exist.");
  if (id->kind != policy::identity_kind::domain) {
    // An address's mail is signed with its domain's keys: nothing to turn off here.
    if (!enabled) co_return empty_result("SetIdentityDkimEnabled", request_id);
    throw api_error(400, "InvalidParameterValue",
                    "Identity <" + given + "> is an email address: enable DKIM on the domain identity <" +
                        std::string(id->domain()) + ">.");
  }
  co_await request_dkim_enabled(backend_, *id, enabled, "InvalidParameterValue");
  co_return empty_result("SetIdentityDkimEnabled", request_id);
}

boost::asio::awaitable<http_response> ses_query_api::get_send_quota(const params& p, const std::string& request_id) {
  static_cast<void>(p);
  const send_quota* q = backend_.quota();
  double max_24 = q && q->max_24_hour_send() > 0 ? static_cast<double>(q->max_24_hour_send()) : -1;
  double rate = q && q->max_send_rate() > 0 ? q->max_send_rate() : -1;
  double sent = q ? static_cast<double>(q->sent_last_24_hours(now())) : 0;
  // SES writes these as doubles ("200.0"); botocore reads them so.
  auto decimal = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", v);
    return std::string(text);
  };
  co_return result("GetSendQuota", request_id, [&](xml_writer& w) {
    w.element("Max24HourSend", decimal(max_24)).element("MaxSendRate", decimal(rate)).element("SentLast24Hours",
                                                                                              decimal(sent));
  });
}

boost::asio::awaitable<http_response> ses_query_api::get_send_statistics(const params& p,
                                                                         const std::string& request_id) {
  static_cast<void>(p);
  std::vector<send_data_point> points;
  if (const send_statistics* s = backend_.statistics()) points = s->points(now());
  co_return result("GetSendStatistics", request_id, [&](xml_writer& w) {
    w.open("SendDataPoints");
    for (const auto& d : points) {
      w.open("member")
          .element("Timestamp", iso8601(d.timestamp))
          .element("DeliveryAttempts", std::to_string(d.delivery_attempts))
          .element("Bounces", std::to_string(d.bounces))
          .element("Complaints", std::to_string(d.complaints))
          .element("Rejects", std::to_string(d.rejects))
          .close();
    }
    w.close();
  });
}

}  // namespace mfrelay::relay
