// SES v1 (query protocol) actions against a fake backend: the exact XML
// botocore's query parser reads (element names from
// botocore/data/ses/2010-12-01/service-2.json: <Action>Response, <Action>Result,
// map entries as <entry><key/><value/></entry>, lists as <member>), and SES's
// error codes and messages.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fake_backend.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/ses_query_api.hpp"
#include "relay/admin/xml_writer.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;

const std::string xml_head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// The whole success document for `action` with `result` inside <ActionResult>.
std::string ok_xml(const std::string& action, const std::string& result) {
  return xml_head + "<" + action + "Response xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">" + result +
         "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></" + action + "Response>\n";
}

struct query_api_fixture : api_fixture<ses_query_api> {
  http_response call(const std::string& body) { return handle(form_post(body)); }
  // Checks a v1 error: HTTP status, <Type>Sender, the code and the message
  // (given as plain text; it is compared XML-escaped).
  void check_error(const http_response& r, const std::string& code, const std::string& message, int status = 400) {
    CHECK(r.status == status);
    CHECK(r.content_type == "text/xml");
    INFO(r.body);
    CHECK(r.body.find("<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">") != std::string::npos);
    CHECK(r.body.find("<Type>Sender</Type>") != std::string::npos);
    CHECK(r.body.find("<Code>" + code + "</Code>") != std::string::npos);
    CHECK(r.body.find("<Message>" + xml_escape(message) + "</Message>") != std::string::npos);
    CHECK(r.body.find("<RequestId>req-1</RequestId>") != std::string::npos);
  }
};

TEST_CASE_FIXTURE(query_api_fixture, "GetIdentityMailFromDomainAttributes: known identities as map entries, unknown ones left out") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::success, 1000);
  auto r = call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version) +
                "&Identities.member.1=example.com&Identities.member.2=billing%40example.com"
                "&Identities.member.3=unknown.net&Identities.member.4=other.org&Identities.member.5=not%20valid");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/xml");
  CHECK(r.body ==
        ok_xml("GetIdentityMailFromDomainAttributes",
               "<GetIdentityMailFromDomainAttributesResult><MailFromDomainAttributes>"
               "<entry><key>example.com</key><value><MailFromDomain>mail.example.com</MailFromDomain>"
               "<MailFromDomainStatus>Success</MailFromDomainStatus>"
               "<BehaviorOnMXFailure>UseDefaultValue</BehaviorOnMXFailure></value></entry>"
               // Never checked: a new setting is Pending.
               "<entry><key>billing@example.com</key><value><MailFromDomain>bounce.example.com</MailFromDomain>"
               "<MailFromDomainStatus>Pending</MailFromDomainStatus>"
               "<BehaviorOnMXFailure>RejectMessage</BehaviorOnMXFailure></value></entry>"
               // No MAIL FROM domain: SES returns only the behavior.
               "<entry><key>other.org</key><value><BehaviorOnMXFailure>UseDefaultValue</BehaviorOnMXFailure>"
               "</value></entry>"
               "</MailFromDomainAttributes></GetIdentityMailFromDomainAttributesResult>"));
}

TEST_CASE_FIXTURE(query_api_fixture, "GetIdentityMailFromDomainAttributes: each status, members in numeric order, keys as asked") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::temporary_failure, 1000);
  backend.set_state("billing@example.com", "bounce.example.com", policy::mail_from_status::failed, 1000);
  // Member 10 comes after member 2; the key is the name as the client wrote it.
  auto r = call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version) +
                "&Identities.member.10=Example.COM&Identities.member.2=billing%40example.com");
  CHECK(r.body ==
        ok_xml("GetIdentityMailFromDomainAttributes",
               "<GetIdentityMailFromDomainAttributesResult><MailFromDomainAttributes>"
               "<entry><key>billing@example.com</key><value><MailFromDomain>bounce.example.com</MailFromDomain>"
               "<MailFromDomainStatus>Failed</MailFromDomainStatus>"
               "<BehaviorOnMXFailure>RejectMessage</BehaviorOnMXFailure></value></entry>"
               "<entry><key>Example.COM</key><value><MailFromDomain>mail.example.com</MailFromDomain>"
               "<MailFromDomainStatus>TemporaryFailure</MailFromDomainStatus>"
               "<BehaviorOnMXFailure>UseDefaultValue</BehaviorOnMXFailure></value></entry>"
               "</MailFromDomainAttributes></GetIdentityMailFromDomainAttributesResult>"));
}

TEST_CASE_FIXTURE(query_api_fixture, "GetIdentityMailFromDomainAttributes: a state stored for an earlier domain counts as Pending") {
  backend.set_state("example.com", "old.example.com", policy::mail_from_status::success, 1000);
  auto r = call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version) + "&Identities.member.1=example.com");
  CHECK(r.body.find("<MailFromDomainStatus>Pending</MailFromDomainStatus>") != std::string::npos);
}

TEST_CASE_FIXTURE(query_api_fixture, "GetIdentityMailFromDomainAttributes: empty list, missing list, more than 100") {
  // botocore sends an empty list as "Identities=".
  auto empty = call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version) + "&Identities=");
  CHECK(empty.body == ok_xml("GetIdentityMailFromDomainAttributes",
                             "<GetIdentityMailFromDomainAttributesResult><MailFromDomainAttributes>"
                             "</MailFromDomainAttributes></GetIdentityMailFromDomainAttributesResult>"));

  check_error(call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version)), "MissingParameter",
              "The request must contain the parameter Identities.");

  std::string body = "Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version);
  for (int i = 1; i <= 100; ++i) body += "&Identities.member." + std::to_string(i) + "=example.com";
  CHECK(call(body).status == 200);
  body += "&Identities.member.101=example.com";
  check_error(call(body), "InvalidParameterValue", "Identities may name at most 100 identities, not 101.");
}

TEST_CASE_FIXTURE(query_api_fixture, "GetIdentityVerificationAttributes: declared identities are Success, domains with a token") {
  auto r = call("Action=GetIdentityVerificationAttributes" + std::string(v1_version) +
                "&Identities.member.1=example.com&Identities.member.2=billing%40example.com"
                "&Identities.member.3=unknown.net");
  CHECK(r.body == ok_xml("GetIdentityVerificationAttributes",
                         "<GetIdentityVerificationAttributesResult><VerificationAttributes>"
                         "<entry><key>example.com</key><value><VerificationStatus>Success</VerificationStatus>"
                         "<VerificationToken>" + verification_token("example.com") + "</VerificationToken></value></entry>"
                         "<entry><key>billing@example.com</key><value><VerificationStatus>Success</VerificationStatus>"
                         "</value></entry>"
                         "</VerificationAttributes></GetIdentityVerificationAttributesResult>"));
  check_error(call("Action=GetIdentityVerificationAttributes" + std::string(v1_version)), "MissingParameter",
              "The request must contain the parameter Identities.");
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityMailFromDomain: sets the domain and behavior through the backend") {
  auto r = call("Action=SetIdentityMailFromDomain" + std::string(v1_version) +
                "&Identity=other.org&MailFromDomain=Bounce.Other.ORG.&BehaviorOnMXFailure=RejectMessage");
  CHECK(r.status == 200);
  CHECK(r.body == ok_xml("SetIdentityMailFromDomain", "<SetIdentityMailFromDomainResult/>"));
  REQUIRE(backend.changes.size() == 1);
  const identity_change& c = backend.changes[0];
  CHECK(c.what == identity_change::kind::set_mail_from);
  CHECK(c.identity == "other.org");
  CHECK(c.mail_from_domain == "Bounce.Other.ORG");  // as spelled, less the trailing dot; normalized below
  CHECK(c.behavior == policy::mx_failure_behavior::reject_message);
  const policy::identity* id = backend.cfg->identities.find("other.org");
  REQUIRE(id);
  CHECK(id->mail_from_domain == "bounce.other.org");
  CHECK(id->behavior == policy::mx_failure_behavior::reject_message);
  // The operator's file is rewritten, nothing else.
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].path == example_file);
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityMailFromDomain: without BehaviorOnMXFailure it is UseDefaultValue") {
  // The call replaces the setting (as SES and moto do): the earlier RejectMessage goes.
  CHECK(call("Action=SetIdentityMailFromDomain" + std::string(v1_version) +
             "&Identity=billing%40example.com&MailFromDomain=mail.example.com")
            .status == 200);
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].behavior == policy::mx_failure_behavior::use_default_value);
  const policy::identity* id = backend.cfg->identities.find("billing@example.com");
  CHECK(id->mail_from_domain == "mail.example.com");
  CHECK(id->behavior == policy::mx_failure_behavior::use_default_value);
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityMailFromDomain: the domain reads back as the client spelled it") {
  CHECK(call("Action=SetIdentityMailFromDomain" + std::string(v1_version) + "&Identity=other.org&MailFromDomain=MF3.Other.org")
            .status == 200);
  CHECK(backend.cfg->identities.find("other.org")->mail_from_domain == "mf3.other.org");
  auto r = call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version) + "&Identities.member.1=other.org");
  CHECK(r.body.find("<MailFromDomain>MF3.Other.org</MailFromDomain>") != std::string::npos);
}

TEST_CASE_FIXTURE(query_api_fixture, "VerifyEmailIdentity: bytes that are not UTF-8 are refused up front") {
  auto r = call("Action=VerifyEmailIdentity" + std::string(v1_version) + "&EmailAddress=%FF%40example.com");
  check_error(r, "InvalidParameterValue", "'<invalid UTF-8>@example.com' is not valid UTF-8");
  CHECK(backend.changes.empty());
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityMailFromDomain: without MailFromDomain it disables the custom MAIL FROM") {
  CHECK(call("Action=SetIdentityMailFromDomain" + std::string(v1_version) + "&Identity=billing%40example.com").status == 200);
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].mail_from_domain == "");
  // As SES then reports it: UseDefaultValue.
  CHECK(backend.changes[0].behavior == policy::mx_failure_behavior::use_default_value);
  const policy::identity* id = backend.cfg->identities.find("billing@example.com");
  CHECK_FALSE(id->has_mail_from());
  CHECK(id->behavior == policy::mx_failure_behavior::use_default_value);
  auto r = call("Action=GetIdentityMailFromDomainAttributes" + std::string(v1_version) +
                "&Identities.member.1=billing%40example.com");
  CHECK(r.body.find("<value><BehaviorOnMXFailure>UseDefaultValue</BehaviorOnMXFailure></value>") != std::string::npos);
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityMailFromDomain: SES's refusals, and nothing changes") {
  const std::string set = "Action=SetIdentityMailFromDomain" + std::string(v1_version);
  check_error(call(set + "&Identity=example.com&MailFromDomain=mail.other.org"), "InvalidParameterValue",
              "Provided MAIL-FROM domain <mail.other.org> is not subdomain of the domain of the identity "
              "<example.com>.");
  check_error(call(set + "&Identity=billing%40example.com&MailFromDomain=example.com"), "InvalidParameterValue",
              "Provided MAIL-FROM domain <example.com> is not subdomain of the domain of the identity "
              "<billing@example.com>.");
  check_error(call(set + "&Identity=example.com&MailFromDomain=-bad.example.com"), "InvalidParameterValue",
              "MAIL FROM domain <-bad.example.com> is not a valid hostname: label '-bad' starts or ends with '-'");
  auto itself = call(set + "&Identity=example.com&MailFromDomain=news.example.com");
  check_error(itself, "InvalidParameterValue",
              "MAIL FROM domain news.example.com is itself a sending identity (declared at example.toml:12:1); it "
              "must be a domain that sends no mail, as it receives the feedback");
  check_error(call(set + "&Identity=unknown.net&MailFromDomain=mail.unknown.net"), "InvalidParameterValue",
              "Identity <unknown.net> does not exist.");
  check_error(call(set + "&Identity=ex%20ample.com"), "InvalidParameterValue",
              "'ex ample.com' is not a valid domain: label 'ex ample' has a character other than letters, digits and '-'");
  check_error(call(set + "&Identity=example.com&MailFromDomain=mail.example.com&BehaviorOnMXFailure=REJECT_MESSAGE"),
              "ValidationError",
              "1 validation error detected: Value 'REJECT_MESSAGE' at 'behaviorOnMXFailure' "
              "failed to satisfy constraint: Member must satisfy enum value set: [RejectMessage, UseDefaultValue]");
  check_error(call(set + "&MailFromDomain=mail.example.com"), "MissingParameter",
              "The request must contain the parameter Identity.");
  CHECK(backend.changes.empty());
  CHECK(backend.cfg->identities.find("example.com")->mail_from_domain == "mail.example.com");
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityMailFromDomain: the daemon's refusal is InvalidParameterValue with its reasons") {
  backend.refuse = {{{example_file, 3, 1}, "the policy would not load"}, {{}, "and another reason"}};
  check_error(call("Action=SetIdentityMailFromDomain" + std::string(v1_version) +
                   "&Identity=example.com&MailFromDomain=bounce.example.com"),
              "InvalidParameterValue", "example.toml:3:1: the policy would not load; and another reason");
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityFeedbackForwardingEnabled: turns forwarding off and on, written to the identity's file") {
  const std::string set = "Action=SetIdentityFeedbackForwardingEnabled" + std::string(v1_version);
  auto r = call(set + "&Identity=billing%40example.com&ForwardingEnabled=false");
  CHECK(r.status == 200);
  CHECK(r.body == ok_xml("SetIdentityFeedbackForwardingEnabled", "<SetIdentityFeedbackForwardingEnabledResult/>"));
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::set_feedback_forwarding);
  CHECK(backend.changes[0].identity == "billing@example.com");
  CHECK_FALSE(backend.changes[0].forward_feedback);
  CHECK_FALSE(backend.cfg->identities.find("billing@example.com")->forward_feedback);
  // Nothing else about the identity moves.
  CHECK(backend.cfg->identities.find("billing@example.com")->mail_from_domain == "bounce.example.com");
  CHECK(backend.cfg->identities.find("example.com")->forward_feedback);
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].path == example_file);
  CHECK(backend.writes[0].text.find("forward_feedback = false") != std::string::npos);

  CHECK(call(set + "&Identity=billing%40example.com&ForwardingEnabled=true").status == 200);
  CHECK(backend.cfg->identities.find("billing@example.com")->forward_feedback);
  REQUIRE(backend.writes.size() == 2);
  CHECK(backend.writes[1].text.find("forward_feedback") == std::string::npos);
}

TEST_CASE_FIXTURE(query_api_fixture, "SetIdentityFeedbackForwardingEnabled: SES's refusals, and nothing changes") {
  const std::string set = "Action=SetIdentityFeedbackForwardingEnabled" + std::string(v1_version);
  check_error(call(set + "&Identity=unknown.net&ForwardingEnabled=false"), "InvalidParameterValue",
              "Identity <unknown.net> does not exist.");
  check_error(call(set + "&Identity=example.com"), "MissingParameter",
              "The request must contain the parameter ForwardingEnabled.");
  check_error(call(set + "&ForwardingEnabled=false"), "MissingParameter",
              "The request must contain the parameter Identity.");
  check_error(call(set + "&Identity=example.com&ForwardingEnabled=no"), "InvalidParameterValue",
              "Value no for parameter ForwardingEnabled is invalid: it must be true or false.");
  check_error(call(set + "&Identity=ex%20ample.com&ForwardingEnabled=false"), "InvalidParameterValue",
              "'ex ample.com' is not a valid domain: label 'ex ample' has a character other than letters, digits and '-'");
  CHECK(backend.changes.empty());
  CHECK(backend.cfg->identities.find("example.com")->forward_feedback);
}

TEST_CASE_FIXTURE(query_api_fixture, "GetIdentityNotificationAttributes: ForwardingEnabled per identity, no topics, unknown ones left out") {
  CHECK(call("Action=SetIdentityFeedbackForwardingEnabled" + std::string(v1_version) +
             "&Identity=other.org&ForwardingEnabled=false")
            .status == 200);
  auto r = call("Action=GetIdentityNotificationAttributes" + std::string(v1_version) +
                "&Identities.member.1=Example.COM&Identities.member.2=other.org&Identities.member.3=unknown.net"
                "&Identities.member.4=not%20valid");
  CHECK(r.status == 200);
  const std::string headers = "<HeadersInBounceNotificationsEnabled>false</HeadersInBounceNotificationsEnabled>"
                              "<HeadersInComplaintNotificationsEnabled>false</HeadersInComplaintNotificationsEnabled>"
                              "<HeadersInDeliveryNotificationsEnabled>false</HeadersInDeliveryNotificationsEnabled>";
  CHECK(r.body == ok_xml("GetIdentityNotificationAttributes",
                         "<GetIdentityNotificationAttributesResult><NotificationAttributes>"
                         "<entry><key>Example.COM</key><value><ForwardingEnabled>true</ForwardingEnabled>" +
                             headers +
                             "</value></entry>"
                             "<entry><key>other.org</key><value><ForwardingEnabled>false</ForwardingEnabled>" +
                             headers +
                             "</value></entry>"
                             "</NotificationAttributes></GetIdentityNotificationAttributesResult>"));
  check_error(call("Action=GetIdentityNotificationAttributes" + std::string(v1_version)), "MissingParameter",
              "The request must contain the parameter Identities.");
}

// The ListIdentities document naming `names`, then `next_token` when there is one.
std::string identities_xml(const std::vector<std::string>& names, const std::string& next_token = {}) {
  std::string result = "<ListIdentitiesResult><Identities>";
  for (const auto& name : names) result += "<member>" + name + "</member>";
  result += "</Identities>";
  if (!next_token.empty()) result += "<NextToken>" + next_token + "</NextToken>";
  return ok_xml("ListIdentities", result + "</ListIdentitiesResult>");
}

TEST_CASE_FIXTURE(query_api_fixture, "ListIdentities: every identity in name order, by type, in pages") {
  auto list = [&](const std::string& query) { return call("Action=ListIdentities" + std::string(v1_version) + query).body; };
  CHECK(list("") == identities_xml({"billing@example.com", "example.com", "news.example.com", "other.org"}));
  CHECK(list("&IdentityType=Domain") == identities_xml({"example.com", "news.example.com", "other.org"}));
  CHECK(list("&IdentityType=EmailAddress") == identities_xml({"billing@example.com"}));

  // Pages of 3: the token leads to the rest.
  CHECK(list("&MaxItems=3") ==
        identities_xml({"billing@example.com", "example.com", "news.example.com"}, "b3RoZXIub3Jn"));
  // b3RoZXIub3Jn is base64("other.org"), the next page's first name.
  CHECK(list("&MaxItems=3&NextToken=b3RoZXIub3Jn") == identities_xml({"other.org"}));
  // A token whose identity was deleted meanwhile still leads to the next name
  // (ZXhhbXBsZS5uZXQ= is base64("example.net")).
  CHECK(list("&NextToken=ZXhhbXBsZS5uZXQ%3D") == identities_xml({"news.example.com", "other.org"}));
}

TEST_CASE_FIXTURE(query_api_fixture, "ListIdentities: refusals") {
  check_error(call("Action=ListIdentities" + std::string(v1_version) + "&IdentityType=Address"), "ValidationError",
              "1 validation error detected: Value 'Address' at 'identityType' failed to satisfy "
              "constraint: Member must satisfy enum value set: [EmailAddress, Domain]");
  check_error(call("Action=ListIdentities" + std::string(v1_version) + "&MaxItems=0"), "InvalidParameterValue",
              "MaxItems must be an integer from 1 to 1000, not 0.");
  check_error(call("Action=ListIdentities" + std::string(v1_version) + "&MaxItems=1001"), "InvalidParameterValue",
              "MaxItems must be an integer from 1 to 1000, not 1001.");
  check_error(call("Action=ListIdentities" + std::string(v1_version) + "&NextToken=%21%21"), "InvalidParameterValue",
              "The NextToken is not one ListIdentities returned.");
}

TEST_CASE_FIXTURE(query_api_fixture, "VerifyDomainIdentity: adds the domain to admin-api.toml and returns its token") {
  auto r = call("Action=VerifyDomainIdentity" + std::string(v1_version) + "&Domain=New.Example.NET");
  CHECK(r.status == 200);
  const std::string token = verification_token("new.example.net");
  CHECK(token.size() == 44);
  CHECK(r.body == ok_xml("VerifyDomainIdentity", "<VerifyDomainIdentityResult><VerificationToken>" + token +
                                                     "</VerificationToken></VerifyDomainIdentityResult>"));
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::create);
  CHECK(backend.changes[0].identity == "new.example.net");
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].path == admin_file);
  const policy::identity* id = backend.cfg->identities.find("new.example.net");
  REQUIRE(id);
  CHECK(id->kind == policy::identity_kind::domain);
  CHECK(id->where.file == admin_file);

  // Again: nothing to change, the same token.
  auto again = call("Action=VerifyDomainIdentity" + std::string(v1_version) + "&Domain=new.example.net");
  CHECK(again.body == r.body);
  CHECK(backend.changes.size() == 1);
  CHECK(verification_token("other.example") != token);
}

TEST_CASE_FIXTURE(query_api_fixture, "VerifyDomainIdentity: refusals") {
  const std::string verify = "Action=VerifyDomainIdentity" + std::string(v1_version);
  check_error(call(verify + "&Domain=a%40example.com"), "InvalidParameterValue",
              "Domain <a@example.com> is an email address: verify it with VerifyEmailIdentity.");
  check_error(call(verify + "&Domain=localhost"), "InvalidParameterValue",
              "'localhost' is not a valid domain: it has a single label");
  // A MAIL FROM domain receives feedback and must not send.
  check_error(call(verify + "&Domain=mail.example.com"), "InvalidParameterValue",
              "MAIL FROM domain mail.example.com is itself a sending identity (declared at this request); it must "
              "be a domain that sends no mail, as it receives the feedback");
  check_error(call(verify), "MissingParameter", "The request must contain the parameter Domain.");
  CHECK(backend.changes.empty());
}

TEST_CASE_FIXTURE(query_api_fixture, "VerifyEmailIdentity: adds the address; a domain is refused") {
  auto r = call("Action=VerifyEmailIdentity" + std::string(v1_version) + "&EmailAddress=Alerts%40Example.ORG");
  CHECK(r.body == ok_xml("VerifyEmailIdentity", "<VerifyEmailIdentityResult/>"));
  const policy::identity* id = backend.cfg->identities.find("Alerts@example.org");
  REQUIRE(id);
  CHECK(id->kind == policy::identity_kind::email_address);
  check_error(call("Action=VerifyEmailIdentity" + std::string(v1_version) + "&EmailAddress=example.org"),
              "InvalidParameterValue", "EmailAddress <example.org> is a domain: verify it with VerifyDomainIdentity.");
  check_error(call("Action=VerifyEmailIdentity" + std::string(v1_version) + "&EmailAddress=a%40%40b"), "InvalidParameterValue",
              "'a@@b' is not a valid email address: its local part 'a@' is neither a dot-atom nor a quoted string");
  // A name that would read as another in listings and logs (U+202E RIGHT-TO-LEFT OVERRIDE).
  check_error(call("Action=VerifyEmailIdentity" + std::string(v1_version) + "&EmailAddress=bill%E2%80%AEing%40example.com"),
              "InvalidParameterValue",
              "'bill<U+202E>ing@example.com' holds U+202E, a bidirectional control: a name must not hide, reorder or "
              "disguise its characters");
  check_error(call("Action=VerifyDomainIdentity" + std::string(v1_version) + "&Domain=%EF%BB%BFexample.net"),
              "InvalidParameterValue",
              "'<U+FEFF>example.net' holds U+FEFF, an invisible character: a name must not hide, reorder or disguise "
              "its characters");
}

TEST_CASE_FIXTURE(query_api_fixture, "DeleteIdentity: removes a declared identity; an unknown one is no error") {
  auto r = call("Action=DeleteIdentity" + std::string(v1_version) + "&Identity=other.org");
  CHECK(r.body == ok_xml("DeleteIdentity", "<DeleteIdentityResult/>"));
  CHECK_FALSE(backend.cfg->identities.find("other.org"));
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].path == example_file);
  CHECK(backend.writes[0].text.find("other.org") == std::string::npos);

  auto unknown = call("Action=DeleteIdentity" + std::string(v1_version) + "&Identity=unknown.net");
  CHECK(unknown.body == ok_xml("DeleteIdentity", "<DeleteIdentityResult/>"));
  CHECK(backend.changes.size() == 1);
  check_error(call("Action=DeleteIdentity" + std::string(v1_version) + "&Identity=a%40%40b"), "InvalidParameterValue",
              "'a@@b' is not a valid email address: its local part 'a@' is neither a dot-atom nor a quoted string");
}

TEST_CASE_FIXTURE(query_api_fixture, "DeleteIdentity: an identity a user needs is refused by the daemon's validation") {
  auto cfg = std::make_shared<policy::config>(*backend.cfg);
  cfg->users[0].identities = {"other.org"};
  backend.cfg = cfg;
  check_error(call("Action=DeleteIdentity" + std::string(v1_version) + "&Identity=other.org"), "InvalidParameterValue",
              "user 'apps' may send as 'other.org', which is not a declared identity");
  CHECK(backend.cfg->identities.find("other.org"));
}

TEST_CASE_FIXTURE(query_api_fixture, "Action, Version and the body: InvalidAction, MissingAction, NoSuchVersion") {
  check_error(call("Action=SendEmail" + std::string(v1_version)), "InvalidAction",
              "Could not find operation SendEmail for version 2010-12-01.");
  check_error(call("Version=2010-12-01"), "MissingAction", "The request must contain the parameter Action.");
  check_error(call("Action=ListIdentities&Version=2019-09-27"), "NoSuchVersion",
              "The requested version (2019-09-27) of service AmazonSimpleEmailService does not exist.");
  check_error(call("Action=ListIdentities"), "MissingParameter", "The request must contain the parameter Version.");

  // Parameters may also come in the query string (GET /?Action=...).
  http_request get;
  get.method = "GET";
  get.target = "/?Action=ListIdentities&Version=2010-12-01&IdentityType=EmailAddress";
  get.path = "/";
  get.query = {{"Action", "ListIdentities"}, {"Version", "2010-12-01"}, {"IdentityType", "EmailAddress"}};
  auto r = run(api.handle(get, "req-1"));
  CHECK(r.body.find("<member>billing@example.com</member></Identities>") != std::string::npos);

  http_request json = form_post("{}");
  json.headers["content-type"] = "application/json";
  check_error(run(api.handle(json, "req-1")), "InvalidParameterValue",
              "The request body must be application/x-www-form-urlencoded, not application/json.");
}

TEST_CASE_FIXTURE(query_api_fixture, "client text in errors is escaped, control characters replaced, so the XML parses") {
  auto r = call("Action=%3Cx%3E%01" + std::string(v1_version));
  check_error(r, "InvalidAction", "Could not find operation <x>\xEF\xBF\xBD for version 2010-12-01.");
  CHECK(r.body.find('\x01') == std::string::npos);
}

}  // namespace
}  // namespace mfrelay::relay
