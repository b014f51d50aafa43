// SES v2 (REST + JSON) routes against a fake backend: the JSON member names of
// botocore/data/sesv2/2019-09-27/service-2.json (GetEmailIdentityResponse,
// MailFromAttributes, IdentityInfo, ...) and rest-json errors (status,
// x-amzn-ErrorType, {"message"}).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "fake_backend.hpp"
#include "relay/admin/ses_rest_api.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
namespace json = boost::json;

struct rest_api_fixture : api_fixture<ses_rest_api> {
  http_response call(std::string method, std::string target, std::string body = {}) {
    return handle(rest(std::move(method), std::move(target), std::move(body)));
  }
  void check_error(const http_response& r, int status, const std::string& type, const std::string& message) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(r.content_type == "application/json");
    CHECK(header(r, "x-amzn-ErrorType") == type);
    CHECK(json_of(r) == json::value(json::object{{"message", message}}));
  }
};

// An identity without DKIM: Easy DKIM's shape, nothing enabled, no tokens yet.
const json::value dkim = json::object{
    {"SigningEnabled", false}, {"Status", "NOT_STARTED"}, {"Tokens", json::array{}}, {"SigningAttributesOrigin", "AWS_SES"}};

TEST_CASE_FIXTURE(rest_api_fixture, "GetEmailIdentity: a domain with a custom MAIL FROM domain and its live status") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::success, 1000);
  auto r = call("GET", "/v2/email/identities/example.com");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(json_of(r) == json::value(json::object{
                          {"IdentityType", "DOMAIN"},
                          {"FeedbackForwardingStatus", true},
                          {"VerifiedForSendingStatus", true},
                          {"DkimAttributes", dkim},
                          {"MailFromAttributes", json::object{{"MailFromDomain", "mail.example.com"},
                                                              {"MailFromDomainStatus", "SUCCESS"},
                                                              {"BehaviorOnMxFailure", "USE_DEFAULT_VALUE"}}},
                          {"Policies", json::object{}},
                          {"Tags", json::array{}},
                          {"VerificationStatus", "SUCCESS"},
                      }));
}

TEST_CASE_FIXTURE(rest_api_fixture, "GetEmailIdentity: an address (encoded '@'), each status in v2 spelling") {
  using st = policy::mail_from_status;
  for (auto [status, text] : {std::pair{st::pending, "PENDING"}, std::pair{st::success, "SUCCESS"},
                              std::pair{st::temporary_failure, "TEMPORARY_FAILURE"}, std::pair{st::failed, "FAILED"}}) {
    backend.states.clear();
    backend.set_state("billing@example.com", "bounce.example.com", status, 1000);
    auto r = call("GET", "/v2/email/identities/billing%40example.com");
    auto body = json_of(r).as_object();
    CHECK(body.at("IdentityType") == "EMAIL_ADDRESS");
    CHECK(body.at("MailFromAttributes") == json::value(json::object{{"MailFromDomain", "bounce.example.com"},
                                                                    {"MailFromDomainStatus", text},
                                                                    {"BehaviorOnMxFailure", "REJECT_MESSAGE"}}));
  }
}

TEST_CASE_FIXTURE(rest_api_fixture, "GetEmailIdentity: without a MAIL FROM domain only the behavior; unknown is 404") {
  auto r = call("GET", "/v2/email/identities/other.org");
  CHECK(json_of(r).at("MailFromAttributes") == json::value(json::object{{"BehaviorOnMxFailure", "USE_DEFAULT_VALUE"}}));
  check_error(call("GET", "/v2/email/identities/unknown.net"), 404, "NotFoundException",
              "Identity unknown.net does not exist.");
  check_error(call("GET", "/v2/email/identities/a%40%40b"), 400, "BadRequestException",
              "'a@@b' is not a valid email address: its local part 'a@' is neither a dot-atom nor a quoted string");
}

TEST_CASE_FIXTURE(rest_api_fixture, "PutEmailIdentityMailFromAttributes: sets domain and behavior; 200 {}") {
  auto r = call("PUT", "/v2/email/identities/other.org/mail-from",
                R"({"MailFromDomain":"bounce.other.org","BehaviorOnMxFailure":"REJECT_MESSAGE"})");
  CHECK(r.status == 200);
  CHECK(r.body == "{}");
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::set_mail_from);
  CHECK(backend.changes[0].identity == "other.org");
  CHECK(backend.changes[0].mail_from_domain == "bounce.other.org");
  CHECK(backend.changes[0].behavior == policy::mx_failure_behavior::reject_message);
  auto after = json_of(call("GET", "/v2/email/identities/other.org"));
  CHECK(after.at("MailFromAttributes") == json::value(json::object{{"MailFromDomain", "bounce.other.org"},
                                                                   {"MailFromDomainStatus", "PENDING"},
                                                                   {"BehaviorOnMxFailure", "REJECT_MESSAGE"}}));
}

TEST_CASE_FIXTURE(rest_api_fixture, "PutEmailIdentityMailFromAttributes: no behavior is USE_DEFAULT_VALUE; no domain disables") {
  // The call replaces the setting (as SES and moto do): the earlier REJECT_MESSAGE goes.
  CHECK(call("PUT", "/v2/email/identities/billing%40example.com/mail-from", R"({"MailFromDomain":"m.example.com"})")
            .status == 200);
  CHECK(backend.changes.back().behavior == policy::mx_failure_behavior::use_default_value);
  CHECK(backend.cfg->identities.find("billing@example.com")->behavior == policy::mx_failure_behavior::use_default_value);
  CHECK(json_of(call("GET", "/v2/email/identities/billing%40example.com")).at("MailFromAttributes").at(
            "BehaviorOnMxFailure") == "USE_DEFAULT_VALUE");

  CHECK(call("PUT", "/v2/email/identities/billing%40example.com/mail-from", R"({"MailFromDomain":null})").status == 200);
  CHECK(backend.changes.back().mail_from_domain == "");
  CHECK(json_of(call("GET", "/v2/email/identities/billing%40example.com")).at("MailFromAttributes") ==
        json::value(json::object{{"BehaviorOnMxFailure", "USE_DEFAULT_VALUE"}}));

  CHECK(call("PUT", "/v2/email/identities/example.com/mail-from", "{}").status == 200);
  CHECK_FALSE(backend.cfg->identities.find("example.com")->has_mail_from());
}

TEST_CASE_FIXTURE(rest_api_fixture, "PutEmailIdentityMailFromAttributes: the domain reads back as spelled, compares case-blind") {
  CHECK(call("PUT", "/v2/email/identities/other.org/mail-from", R"({"MailFromDomain":"MF3.Other.org"})").status == 200);
  const policy::identity* id = backend.cfg->identities.find("other.org");
  CHECK(id->mail_from_domain == "mf3.other.org");  // what decisions and DNS checks use
  CHECK(json_of(call("GET", "/v2/email/identities/other.org")).at("MailFromAttributes").at("MailFromDomain") ==
        "MF3.Other.org");
  REQUIRE(!backend.writes.empty());
  CHECK(backend.writes.back().text.find("mail_from_domain = \"MF3.Other.org\"") != std::string::npos);
}

TEST_CASE_FIXTURE(rest_api_fixture, "PutEmailIdentityMailFromAttributes: refusals as BadRequestException / NotFoundException") {
  const std::string put = "/v2/email/identities/example.com/mail-from";
  check_error(call("PUT", put, R"({"MailFromDomain":"mail.other.org"})"), 400, "BadRequestException",
              "Provided MAIL-FROM domain <mail.other.org> is not subdomain of the domain of the identity <example.com>.");
  check_error(call("PUT", put, R"({"MailFromDomain":"news.example.com"})"), 400, "BadRequestException",
              "MAIL FROM domain news.example.com is itself a sending identity (declared at example.toml:12:1); it "
              "must be a domain that sends no mail, as it receives the feedback");
  check_error(call("PUT", put, R"({"MailFromDomain":"a_b.example.com"})"), 400, "BadRequestException",
              "MAIL FROM domain <a_b.example.com> is not a valid hostname: label 'a_b' has a character other than "
              "letters, digits and '-'");
  check_error(call("PUT", put, R"({"MailFromDomain":"m.example.com","BehaviorOnMxFailure":"RejectMessage"})"), 400,
              "BadRequestException",
              "1 validation error detected: Value 'RejectMessage' at 'behaviorOnMxFailure' failed to satisfy "
              "constraint: Member must satisfy enum value set: [REJECT_MESSAGE, USE_DEFAULT_VALUE]");
  check_error(call("PUT", put, R"({"MailFromDomain":7})"), 400, "SerializationException",
              "MailFromDomain must be a JSON string.");
  check_error(call("PUT", put, "{nope"), 400, "SerializationException",
              "The request body is not valid JSON: syntax error");
  check_error(call("PUT", put, "[]"), 400, "SerializationException", "The request body must be a JSON object.");
  check_error(call("PUT", "/v2/email/identities/unknown.net/mail-from", R"({"MailFromDomain":"m.unknown.net"})"), 404,
              "NotFoundException", "Identity unknown.net does not exist.");
  CHECK(backend.changes.empty());

  backend.refuse = {{{}, "the store is read-only"}};
  check_error(call("PUT", put, R"({"MailFromDomain":"m.example.com"})"), 400, "BadRequestException",
              "the store is read-only");
}

TEST_CASE_FIXTURE(rest_api_fixture, "PutEmailIdentityFeedbackAttributes: GetEmailIdentity's FeedbackForwardingStatus follows it") {
  auto status = [&] {
    return json_of(call("GET", "/v2/email/identities/billing%40example.com")).at("FeedbackForwardingStatus");
  };
  CHECK(status() == true);  // SES's default
  auto r = call("PUT", "/v2/email/identities/billing%40example.com/feedback", R"({"EmailForwardingEnabled":false})");
  CHECK(r.status == 200);
  CHECK(r.body == "{}");
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::set_feedback_forwarding);
  CHECK(backend.changes[0].identity == "billing@example.com");
  CHECK(status() == false);
  CHECK(json_of(call("GET", "/v2/email/identities/example.com")).at("FeedbackForwardingStatus") == true);
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].path == example_file);
  CHECK(backend.writes[0].text.find("forward_feedback = false") != std::string::npos);

  CHECK(call("PUT", "/v2/email/identities/billing%40example.com/feedback", R"({"EmailForwardingEnabled":true})")
            .status == 200);
  CHECK(status() == true);
  // An unset boolean is false in SES's model.
  CHECK(call("PUT", "/v2/email/identities/billing%40example.com/feedback", "{}").status == 200);
  CHECK(status() == false);
}

TEST_CASE_FIXTURE(rest_api_fixture, "PutEmailIdentityFeedbackAttributes: refusals, and nothing changes") {
  check_error(call("PUT", "/v2/email/identities/unknown.net/feedback", R"({"EmailForwardingEnabled":false})"), 404,
              "NotFoundException", "Identity unknown.net does not exist.");
  check_error(call("PUT", "/v2/email/identities/example.com/feedback", R"({"EmailForwardingEnabled":"no"})"), 400,
              "SerializationException", "EmailForwardingEnabled must be a JSON boolean.");
  check_error(call("PUT", "/v2/email/identities/example.com/feedback", "[false]"), 400, "SerializationException",
              "The request body must be a JSON object.");
  check_error(call("GET", "/v2/email/identities/example.com/feedback"), 404, "UnknownOperationException",
              "No SES v2 operation is GET /v2/email/identities/example.com/feedback");
  CHECK(backend.changes.empty());
  CHECK(backend.cfg->identities.find("example.com")->forward_feedback);
}

TEST_CASE_FIXTURE(rest_api_fixture, "ListEmailIdentities: IdentityInfo items in name order, PageSize and NextToken") {
  auto r = call("GET", "/v2/email/identities");
  auto item = [](const char* type, const char* name) {
    return json::object{{"IdentityType", type}, {"IdentityName", name}, {"SendingEnabled", true},
                        {"VerificationStatus", "SUCCESS"}};
  };
  CHECK(json_of(r) == json::value(json::object{
                          {"EmailIdentities", json::array{item("EMAIL_ADDRESS", "billing@example.com"),
                                                          item("DOMAIN", "example.com"),
                                                          item("DOMAIN", "news.example.com"), item("DOMAIN", "other.org")}}}));
  auto first = json_of(call("GET", "/v2/email/identities?PageSize=2")).as_object();
  CHECK(first.at("EmailIdentities").as_array().size() == 2);
  std::string token(first.at("NextToken").as_string());
  auto second = json_of(call("GET", "/v2/email/identities?PageSize=2&NextToken=" + uri_encode(token))).as_object();
  CHECK(second.at("EmailIdentities") == json::value(json::array{item("DOMAIN", "news.example.com"),
                                                                item("DOMAIN", "other.org")}));
  CHECK_FALSE(second.contains("NextToken"));
  check_error(call("GET", "/v2/email/identities?PageSize=1001"), 400, "BadRequestException",
              "PageSize must be an integer from 0 to 1000, not 1001.");
  check_error(call("GET", "/v2/email/identities?NextToken=%25"), 400, "BadRequestException",
              "The NextToken is not one ListEmailIdentities returned.");
}

TEST_CASE_FIXTURE(rest_api_fixture, "CreateEmailIdentity: adds to admin-api.toml; an existing one is AlreadyExistsException") {
  auto r = call("POST", "/v2/email/identities", R"({"EmailIdentity":"New.Example.NET","Tags":[{"Key":"a","Value":"b"}]})");
  CHECK(r.status == 200);
  CHECK(json_of(r) == json::value(json::object{
                          {"IdentityType", "DOMAIN"}, {"VerifiedForSendingStatus", true}, {"DkimAttributes", dkim}}));
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::create);
  CHECK(backend.changes[0].identity == "new.example.net");
  CHECK(backend.writes.at(0).path == admin_file);

  auto address = call("POST", "/v2/email/identities", R"({"EmailIdentity":"ops@new.example.net"})");
  CHECK(json_of(address).at("IdentityType") == "EMAIL_ADDRESS");

  check_error(call("POST", "/v2/email/identities", R"({"EmailIdentity":"example.com"})"), 400,
              "AlreadyExistsException", "Email identity example.com already exist.");
  check_error(call("POST", "/v2/email/identities", "{}"), 400, "BadRequestException",
              "1 validation error detected: Value null at 'emailIdentity' failed to satisfy constraint: Member must "
              "not be null");
  check_error(call("POST", "/v2/email/identities", R"({"EmailIdentity":"mail.example.com"})"), 400,
              "BadRequestException",
              "MAIL FROM domain mail.example.com is itself a sending identity (declared at this request); it must "
              "be a domain that sends no mail, as it receives the feedback");
  check_error(call("POST", "/v2/email/identities", R"({"EmailIdentity":"ops\u200b@example.com"})"), 400,
              "BadRequestException",
              "'ops<U+200B>@example.com' holds U+200B, an invisible character: a name must not hide, reorder or "
              "disguise its characters");
  check_error(call("POST", "/v2/email/identities", R"({"EmailIdentity":"x.example.com","ConfigurationSetName":"cs"})"),
              404, "NotFoundException", "Configuration set cs does not exist.");
  check_error(call("POST", "/v2/email/identities",
                   R"({"EmailIdentity":"x.example.com","DkimSigningAttributes":{"DomainSigningSelector":"s"}})"),
              400, "BadRequestException", "mfrelay takes DkimSigningAttributes with PutEmailIdentityDkimSigningAttributes once the identity "
              "exists, not with CreateEmailIdentity.");
  CHECK(backend.changes.size() == 2);
}

TEST_CASE_FIXTURE(rest_api_fixture, "CreateEmailIdentity keeps Tags; ListTagsForResource, TagResource, UntagResource") {
  const std::string arn = "arn:aws:ses:us-west-2:123456789012:identity/new.example.net";
  const std::string tags = "/v2/email/tags?ResourceArn=" + uri_encode(arn);
  auto tag = [](const char* k, const char* v) { return json::object{{"Key", k}, {"Value", v}}; };
  REQUIRE(call("POST", "/v2/email/identities",
               R"({"EmailIdentity":"new.example.net","Tags":[{"Key":"env","Value":"prod"},{"Key":"team","Value":"mail"}]})")
              .status == 200);
  CHECK(backend.changes.back().set_tags == std::map<std::string, std::string>{{"env", "prod"}, {"team", "mail"}});
  // Written to policy.d with the identity, so a reload or restart keeps them.
  CHECK(backend.writes.back().text.find("tags = { \"env\" = \"prod\", \"team\" = \"mail\" }") != std::string::npos);
  CHECK(json_of(call("GET", tags)) == json::value(json::object{{"Tags", json::array{tag("env", "prod"), tag("team", "mail")}}}));
  CHECK(json_of(call("GET", "/v2/email/identities/new.example.net")).at("Tags") ==
        json::value(json::array{tag("env", "prod"), tag("team", "mail")}));

  json::object add{{"ResourceArn", arn}, {"Tags", json::array{tag("env", "staging"), tag("owner", "ops")}}};
  auto r = call("POST", "/v2/email/tags", json::serialize(add));
  CHECK(r.status == 200);
  CHECK(r.body == "{}");
  CHECK(json_of(call("GET", tags)).at("Tags") ==
        json::value(json::array{tag("env", "staging"), tag("owner", "ops"), tag("team", "mail")}));

  CHECK(call("DELETE", tags + "&TagKeys=team&TagKeys=absent").status == 200);
  CHECK(json_of(call("GET", tags)).at("Tags") == json::value(json::array{tag("env", "staging"), tag("owner", "ops")}));

  check_error(call("GET", "/v2/email/tags?ResourceArn=arn%3Aaws%3Ases%3Aus-west-2%3A1%3Aidentity%2Funknown.net"), 404,
              "NotFoundException", "Resource arn:aws:ses:us-west-2:1:identity/unknown.net does not exist.");
  check_error(call("GET", "/v2/email/tags?ResourceArn=arn%3Aaws%3Ases%3Aeu-west-1%3A1%3Aidentity%2Fexample.com"), 404,
              "NotFoundException", "Resource arn:aws:ses:eu-west-1:1:identity/example.com does not exist.");
  check_error(call("GET", "/v2/email/tags?ResourceArn=example.com"), 400, "BadRequestException",
              "Invalid ResourceArn: an identity's ARN is arn:aws:ses:<region>:<account>:identity/<name>.");
  check_error(call("POST", "/v2/email/tags", json::serialize(json::object{{"ResourceArn", arn},
                                                                         {"Tags", json::array{tag("", "x")}}})),
              400, "BadRequestException", "A tag Key must be 1 to 128 characters long.");
  check_error(call("DELETE", tags), 400, "BadRequestException",
              "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not "
              "be null");
}

TEST_CASE_FIXTURE(rest_api_fixture, "DeleteEmailIdentity: removes it; unknown is NotFoundException") {
  auto r = call("DELETE", "/v2/email/identities/billing%40example.com");
  CHECK(r.status == 200);
  CHECK(r.body == "{}");
  CHECK_FALSE(backend.cfg->identities.find("billing@example.com"));
  check_error(call("DELETE", "/v2/email/identities/billing%40example.com"), 404, "NotFoundException",
              "Email identity billing@example.com does not exist.");
}

TEST_CASE_FIXTURE(rest_api_fixture, "an encoded '/' stays inside the identity segment; other routes are unknown") {
  // "a/b@example.com" is a valid address; encoded, it is one path segment.
  check_error(call("GET", "/v2/email/identities/a%2Fb%40example.com"), 404, "NotFoundException",
              "Identity a/b@example.com does not exist.");
  check_error(call("GET", "/v2/email/identities/example.com/dkim"), 404, "UnknownOperationException",
              "No SES v2 operation is GET /v2/email/identities/example.com/dkim");
  check_error(call("PUT", "/v2/email/identities/example.com/dkim/other"), 404, "UnknownOperationException",
              "No SES v2 operation is PUT /v2/email/identities/example.com/dkim/other");
  check_error(call("PATCH", "/v2/email/identities/example.com"), 404, "UnknownOperationException",
              "No SES v2 operation is PATCH /v2/email/identities/example.com");
}

}  // namespace
}  // namespace mfrelay::relay
