#include "relay/admin/ses_rest_api.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>
#include <map>
#include <spdlog/spdlog.h>

#include "policy/domain_name.hpp"
#include "relay/admin/api_error.hpp"
#include "relay/admin/change_request.hpp"
#include "relay/admin/dkim_attributes.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/identity_pages.hpp"
#include "relay/admin/json_response.hpp"
#include "relay/admin/path_segments.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::size_t max_page_size = 1000;  // ListEmailIdentities PageSize: 0-1000

std::string_view v2_type(policy::identity_kind kind) {
  return kind == policy::identity_kind::domain ? "DOMAIN" : "EMAIL_ADDRESS";
}

std::string_view v2_behavior(policy::mx_failure_behavior behavior) {
  return behavior == policy::mx_failure_behavior::reject_message ? "REJECT_MESSAGE" : "USE_DEFAULT_VALUE";
}

// SES's Selector: one DNS label of letters, digits and inner hyphens, 1-63 characters.
bool valid_selector(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

policy::identity_name parse_name(const std::string& text) {
  auto parsed = policy::parse_identity_name(text);
  if (!parsed.value) throw api_error(400, "BadRequestException", parsed.error);
  return *parsed.value;
}

boost::json::object parse_body(const std::string& body) {
  if (body.empty()) return {};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) throw api_error(400, "SerializationException", "The request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw api_error(400, "SerializationException", "The request body must be a JSON object.");
  return std::move(v.as_object());
}

// A member that must be a string when present; nullopt when absent or null.
std::optional<std::string> string_member(const boost::json::object& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string())
    throw api_error(400, "SerializationException", std::string(name) + " must be a JSON string.");
  return std::string(it->value().as_string());
}

[[noreturn]] void not_found(const std::string& what) { throw api_error(404, "NotFoundException", what); }

[[noreturn]] void bad_request(const std::string& what) { throw api_error(400, "BadRequestException", what); }

// Characters of UTF-8 text (the model's lengths count characters, not bytes).
std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

boost::json::array tag_array(const std::map<std::string, std::string>& tags) {
  boost::json::array out;
  for (const auto& [key, value] : tags) out.push_back(boost::json::object{{"Key", key}, {"Value", value}});
  return out;
}

// Tags [{Key, Value}] of CreateEmailIdentity and TagResource, with the
// model's constraints: Key 1-128 characters, Value 0-256, no key twice.
std::map<std::string, std::string> parse_tags(const boost::json::object& body) {
  std::map<std::string, std::string> tags;
  auto it = body.find("Tags");
  if (it == body.end() || it->value().is_null()) return tags;
  if (!it->value().is_array()) throw api_error(400, "SerializationException", "Tags must be a JSON array.");
  for (const auto& entry : it->value().as_array()) {
    if (!entry.is_object()) throw api_error(400, "SerializationException", "Each tag must be a JSON object.");
    auto key = string_member(entry.as_object(), "Key");
    auto value = string_member(entry.as_object(), "Value");
    if (!key || key->empty() || characters(*key) > 128) bad_request("A tag Key must be 1 to 128 characters long.");
    if (!value) bad_request("The tag " + *key + " has no Value.");
    if (characters(*value) > 256) bad_request("A tag Value must be at most 256 characters long.");
    if (!tags.emplace(*key, *value).second) bad_request("The tag key " + *key + " is given twice.");
  }
  return tags;
}

}  // namespace

bool ses_rest_api::owns_v1_route(const std::string& path) {
  return path.starts_with("/v1/email/identities/") && path.ends_with("/dkim/signing");
}

boost::asio::awaitable<http_response> ses_rest_api::handle(const http_request& request, std::string request_id) {
  std::optional<api_error> failure;
  try {
    const std::vector<std::string> s = path_segments(request.target.empty() ? request.path : request.target);
    const std::string& m = request.method;
    bool identities = s.size() >= 3 && s[0] == "v2" && s[1] == "email" && s[2] == "identities";
    if (s.size() == 6 && s[0] == "v1" && s[1] == "email" && s[2] == "identities" && s[4] == "dkim" &&
        s[5] == "signing" && m == "PUT")
      co_return co_await put_dkim_signing(s[3], request);
    if (identities && s.size() == 3 && m == "GET") co_return list_identities(request);
    if (identities && s.size() == 3 && m == "POST") co_return co_await create_identity(request);
    if (identities && s.size() == 4 && m == "GET") co_return get_identity(s[3]);
    if (identities && s.size() == 4 && m == "DELETE") co_return co_await delete_identity(s[3]);
    if (identities && s.size() == 5 && s[4] == "mail-from" && m == "PUT")
      co_return co_await put_mail_from(s[3], request);
    if (identities && s.size() == 5 && s[4] == "feedback" && m == "PUT")
      co_return co_await put_feedback(s[3], request);
    if (identities && s.size() == 5 && s[4] == "dkim" && m == "PUT") co_return co_await put_dkim(s[3], request);
    if (identities && s.size() == 6 && s[4] == "dkim" && s[5] == "signing" && m == "PUT")
      co_return co_await put_dkim_signing(s[3], request);
    bool tags = s.size() == 3 && s[0] == "v2" && s[1] == "email" && s[2] == "tags";
    if (tags && m == "GET") co_return list_tags(request);
    if (tags && m == "POST") co_return co_await tag_resource(request);
    if (tags && m == "DELETE") co_return co_await untag_resource(request);
    throw api_error(404, "UnknownOperationException", "No SES v2 operation is " + m + " " + request.path);
  } catch (const api_error& e) {
    failure = e;
  }
  if (!failure->detail.empty()) spdlog::warn("admin request {}: refused: {}", request_id, failure->detail);
  co_return aws_error_response(aws_error_shape::rest_json, failure->status, failure->code, failure->what(), request_id);
}

http_response ses_rest_api::get_identity(const std::string& given) const {
  policy::identity_name name = parse_name(given);
  auto cfg = backend_.config();
  const policy::identity* id = cfg->identities.find(name.name);
  if (!id) not_found("Identity " + given + " does not exist.");

  boost::json::object mail_from;
  if (id->has_mail_from()) {
    std::optional<stored_state> stored;
    for (auto& s : backend_.stored_states()) {
      if (s.identity == id->name && s.mail_from_domain == id->mail_from_domain) stored = std::move(s);
    }
    identity_status row{id, std::move(stored), std::nullopt};
    mail_from["MailFromDomain"] = id->mail_from_as_given();
    mail_from["MailFromDomainStatus"] = policy::to_v2_string(*row.status());
  }
  // With no MAIL FROM domain, SES returns only the behavior.
  mail_from["BehaviorOnMxFailure"] = v2_behavior(id->behavior);

  return json_response(boost::json::object{
      {"IdentityType", v2_type(id->kind)},
      {"FeedbackForwardingStatus", id->forward_feedback},
      {"VerifiedForSendingStatus", true},  // declared by the operator: verified
      {"DkimAttributes", dkim_attributes_v2(dkim_view_of(backend_, *id))},
      {"MailFromAttributes", std::move(mail_from)},
      {"Policies", boost::json::object{}},
      {"Tags", tag_array(id->tags)},
      {"VerificationStatus", "SUCCESS"},
  });
}

http_response ses_rest_api::list_identities(const http_request& request) const {
  std::size_t page_size = max_page_size;
  if (auto it = request.query.find("PageSize"); it != request.query.end()) {
    const std::string& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), page_size);
    if (ec != std::errc() || end != text.data() + text.size() || page_size > max_page_size)
      throw api_error(400, "BadRequestException", "PageSize must be an integer from 0 to 1000, not " + text + ".");
    if (page_size == 0) page_size = max_page_size;
  }
  std::string token;
  if (auto it = request.query.find("NextToken"); it != request.query.end()) token = it->second;
  auto cfg = backend_.config();
  auto page = page_identities(cfg->identities, std::nullopt, page_size, token);
  if (!page) throw api_error(400, "BadRequestException", "The NextToken is not one ListEmailIdentities returned.");

  boost::json::array items;
  for (const auto* id : page->items) {
    items.push_back(boost::json::object{{"IdentityType", v2_type(id->kind)},
                                        {"IdentityName", id->name},
                                        {"SendingEnabled", true},
                                        {"VerificationStatus", "SUCCESS"}});
  }
  boost::json::object out{{"EmailIdentities", std::move(items)}};
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  return json_response(out);
}

boost::asio::awaitable<http_response> ses_rest_api::create_identity(const http_request& request) {
  boost::json::object body = parse_body(request.body);
  auto given = string_member(body, "EmailIdentity");
  if (!given || given->empty())
    throw api_error(400, "BadRequestException",
                    "1 validation error detected: Value null at 'emailIdentity' failed to satisfy constraint: "
                    "Member must not be null");
  if (body.contains("DkimSigningAttributes"))
    throw api_error(400, "BadRequestException",
                    "mfrelay takes DkimSigningAttributes with PutEmailIdentityDkimSigningAttributes once the identity "
                    "exists, not with CreateEmailIdentity.");
  if (auto set = string_member(body, "ConfigurationSetName"); set && !set->empty())
    not_found("Configuration set " + *set + " does not exist.");
  std::map<std::string, std::string> tags = parse_tags(body);

  policy::identity_name name = parse_name(*given);
  if (backend_.config()->identities.find(name.name))
    throw api_error(400, "AlreadyExistsException", "Email identity " + *given + " already exist.");
  identity_change change;
  change.what = identity_change::kind::create;
  change.identity = name.name;
  change.set_tags = std::move(tags);
  co_await request_change(backend_, std::move(change), "BadRequestException");

  auto cfg = backend_.config();
  boost::json::object dkim;
  if (const policy::identity* id = cfg->identities.find(name.name)) dkim = dkim_attributes_v2(dkim_view_of(backend_, *id));
  co_return json_response(boost::json::object{{"IdentityType", v2_type(name.kind)},
                                              {"VerifiedForSendingStatus", true},
                                              {"DkimAttributes", std::move(dkim)}});
}

boost::asio::awaitable<http_response> ses_rest_api::delete_identity(const std::string& given) {
  policy::identity_name name = parse_name(given);
  if (!backend_.config()->identities.find(name.name)) not_found("Email identity " + given + " does not exist.");
  identity_change change;
  change.what = identity_change::kind::remove;
  change.identity = name.name;
  co_await request_change(backend_, std::move(change), "BadRequestException");
  co_return json_response(boost::json::object{});
}

boost::asio::awaitable<http_response> ses_rest_api::put_mail_from(const std::string& given,
                                                                  const http_request& request) {
  policy::identity_name name = parse_name(given);
  boost::json::object body = parse_body(request.body);
  auto mail_from = string_member(body, "MailFromDomain");
  std::optional<policy::mx_failure_behavior> behavior;
  if (auto text = string_member(body, "BehaviorOnMxFailure")) {
    if (*text == "USE_DEFAULT_VALUE") behavior = policy::mx_failure_behavior::use_default_value;
    else if (*text == "REJECT_MESSAGE") behavior = policy::mx_failure_behavior::reject_message;
    else
      throw api_error(400, "BadRequestException",
                      "1 validation error detected: Value '" + *text +
                          "' at 'behaviorOnMxFailure' failed to satisfy constraint: Member must satisfy enum value "
                          "set: [REJECT_MESSAGE, USE_DEFAULT_VALUE]");
  }
  if (!backend_.config()->identities.find(name.name)) not_found("Identity " + given + " does not exist.");

  identity_change change;
  change.what = identity_change::kind::set_mail_from;
  change.identity = name.name;
  // Kept as spelled (read back so, compared case-insensitively); a trailing dot goes.
  std::string domain = mail_from.value_or("");
  if (domain.ends_with('.')) domain.pop_back();
  change.mail_from_domain = std::move(domain);
  // The call replaces the whole setting, as SES does: an omitted behavior is
  // USE_DEFAULT_VALUE, not the one set before.
  change.behavior = behavior.value_or(policy::mx_failure_behavior::use_default_value);
  co_await request_change(backend_, std::move(change), "BadRequestException");
  co_return json_response(boost::json::object{});
}

boost::asio::awaitable<http_response> ses_rest_api::put_feedback(const std::string& given,
                                                                 const http_request& request) {
  policy::identity_name name = parse_name(given);
  boost::json::object body = parse_body(request.body);
  // Optional in SES's model; an unset boolean is false there, so an empty body
  // turns forwarding off, as it does in SES.
  bool enabled = false;
  if (auto it = body.find("EmailForwardingEnabled"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_bool())
      throw api_error(400, "SerializationException", "EmailForwardingEnabled must be a JSON boolean.");
    enabled = it->value().as_bool();
  }
  if (!backend_.config()->identities.find(name.name)) not_found("Identity " + given + " does not exist.");
  identity_change change;
  change.what = identity_change::kind::set_feedback_forwarding;
  change.identity = name.name;
  change.forward_feedback = enabled;
  co_await request_change(backend_, std::move(change), "BadRequestException");
  co_return json_response(boost::json::object{});
}

boost::asio::awaitable<http_response> ses_rest_api::put_dkim(const std::string& given, const http_request& request) {
  policy::identity_name name = parse_name(given);
  boost::json::object body = parse_body(request.body);
  // Optional in SES's model; an unset boolean is false, as for the feedback call.
  bool enabled = false;
  if (auto it = body.find("SigningEnabled"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_bool()) throw api_error(400, "SerializationException", "SigningEnabled must be a JSON boolean.");
    enabled = it->value().as_bool();
  }
  const policy::identity* id = backend_.config()->identities.find(name.name);
  if (!id) not_found("Identity " + given + " does not exist.");
  if (id->kind != policy::identity_kind::domain) {
    if (!enabled) co_return json_response(boost::json::object{});  // an address signs with its domain's keys
    bad_request("Identity " + given + " is an email address: enable DKIM signing on the domain identity " +
                std::string(id->domain()) + ".");
  }
  co_await request_dkim_enabled(backend_, *id, enabled, "BadRequestException");
  co_return json_response(boost::json::object{});
}

boost::asio::awaitable<http_response> ses_rest_api::put_dkim_signing(const std::string& given,
                                                                     const http_request& request) {
  policy::identity_name name = parse_name(given);
  boost::json::object body = parse_body(request.body);
  auto origin = string_member(body, "SigningAttributesOrigin");
  if (!origin)
    bad_request("1 validation error detected: Value null at 'signingAttributesOrigin' failed to satisfy constraint: "
                "Member must not be null");
  if (*origin != "AWS_SES" && *origin != "EXTERNAL") {
    if (origin->starts_with("AWS_SES_"))
      bad_request("mfrelay has one region: SigningAttributesOrigin is AWS_SES or EXTERNAL, not " + *origin + ".");
    bad_request("1 validation error detected: Value '" + *origin +
                "' at 'signingAttributesOrigin' failed to satisfy constraint: Member must satisfy enum value set: "
                "[AWS_SES, EXTERNAL]");
  }
  boost::json::object attributes;
  if (auto it = body.find("SigningAttributes"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) throw api_error(400, "SerializationException", "SigningAttributes must be a JSON object.");
    attributes = it->value().as_object();
  }
  auto selector = string_member(attributes, "DomainSigningSelector");
  auto private_key = string_member(attributes, "DomainSigningPrivateKey");
  auto key_length = string_member(attributes, "NextSigningKeyLength");

  identity_change change;
  change.what = identity_change::kind::set_dkim_signing;
  change.identity = name.name;
  if (*origin == "EXTERNAL") {
    if (!selector || !private_key || private_key->empty())
      bad_request("SigningAttributesOrigin EXTERNAL needs SigningAttributes with DomainSigningSelector and "
                  "DomainSigningPrivateKey.");
    if (!valid_selector(*selector))
      bad_request("DomainSigningSelector " + *selector +
                  " is not a selector: 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.");
    if (private_key->size() > 20480) bad_request("DomainSigningPrivateKey is longer than 20480 characters.");
    std::string why;
    auto key = dkim::dkim_key::from_operator(*private_key, why);
    if (!key) bad_request("DomainSigningPrivateKey: " + why);
    change.dkim_selector = *selector;
    change.dkim_private_key = key->private_pem();
  } else {
    if (selector || private_key)
      bad_request("DomainSigningSelector and DomainSigningPrivateKey are for SigningAttributesOrigin EXTERNAL.");
    if (key_length && *key_length == "RSA_2048_BIT") change.dkim_key_type = policy::dkim_key_kind::rsa;
    else if (key_length && *key_length == "RSA_1024_BIT")
      bad_request("mfrelay generates RSA 2048-bit keys only: NextSigningKeyLength RSA_1024_BIT is not supported.");
    else if (key_length)
      bad_request("1 validation error detected: Value '" + *key_length +
                  "' at 'signingAttributes.nextSigningKeyLength' failed to satisfy constraint: Member must satisfy "
                  "enum value set: [RSA_1024_BIT, RSA_2048_BIT]");
  }
  const policy::identity* id = backend_.config()->identities.find(name.name);
  if (!id) not_found("Identity " + given + " does not exist.");
  if (id->kind != policy::identity_kind::domain)
    bad_request("Identity " + given + " is an email address: DKIM signing attributes belong to a domain identity.");
  co_await request_change(backend_, std::move(change), "BadRequestException");

  auto cfg = backend_.config();
  const policy::identity* now_id = cfg->identities.find(name.name);
  dkim_view view = now_id ? dkim_view_of(backend_, *now_id) : dkim_view{};
  boost::json::array tokens;
  for (const auto& t : view.tokens) tokens.push_back(boost::json::string(t));
  co_return json_response(boost::json::object{{"DkimStatus", to_v2_string(view.status)}, {"DkimTokens", std::move(tokens)}});
}

std::string ses_rest_api::identity_of_arn(const std::string& arn) const {
  // arn:<partition>:ses:<region>:<account>:identity/<name>
  std::vector<std::string_view> parts;
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  constexpr std::string_view prefix = "identity/";
  if (parts.size() != 5 || parts[0] != "arn" || parts[2] != "ses" || !rest.starts_with(prefix) ||
      rest.size() == prefix.size())
    bad_request("Invalid ResourceArn: an identity's ARN is arn:aws:ses:<region>:<account>:identity/<name>.");
  auto cfg = backend_.config();
  std::string name(rest.substr(prefix.size()));
  auto parsed = policy::parse_identity_name(name);
  const policy::identity* id = parsed.value ? cfg->identities.find(parsed.value->name) : nullptr;
  if (!id || parts[3] != cfg->relay.region) not_found("Resource " + arn + " does not exist.");
  return id->name;
}

std::string ses_rest_api::required_arn(const http_request& request) const {
  auto it = request.query.find("ResourceArn");
  if (it == request.query.end() || it->second.empty())
    bad_request("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must "
                "not be null");
  return it->second;
}

http_response ses_rest_api::list_tags(const http_request& request) const {
  std::string name = identity_of_arn(required_arn(request));
  auto cfg = backend_.config();
  const policy::identity* id = cfg->identities.find(name);
  if (!id) not_found("Resource " + required_arn(request) + " does not exist.");
  return json_response(boost::json::object{{"Tags", tag_array(id->tags)}});
}

boost::asio::awaitable<http_response> ses_rest_api::tag_resource(const http_request& request) {
  boost::json::object body = parse_body(request.body);
  auto arn = string_member(body, "ResourceArn");
  if (!arn || arn->empty())
    bad_request("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must "
                "not be null");
  if (!body.contains("Tags"))
    bad_request("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be "
                "null");
  identity_change change;
  change.what = identity_change::kind::tag;
  change.set_tags = parse_tags(body);
  change.identity = identity_of_arn(*arn);
  co_await request_change(backend_, std::move(change), "BadRequestException");
  co_return json_response(boost::json::object{});
}

boost::asio::awaitable<http_response> ses_rest_api::untag_resource(const http_request& request) {
  identity_change change;
  change.what = identity_change::kind::tag;
  change.identity = identity_of_arn(required_arn(request));
  auto [from, to] = request.query.equal_range("TagKeys");
  for (auto it = from; it != to; ++it) change.remove_tags.push_back(it->second);
  if (change.remove_tags.empty())
    bad_request("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not "
                "be null");
  co_await request_change(backend_, std::move(change), "BadRequestException");
  co_return json_response(boost::json::object{});
}

}  // namespace mfrelay::relay
