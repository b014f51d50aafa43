// mfrelay's own routes: the DNS records to publish, verify now, explain and
// status, with the same fields the CLI prints, and plain JSON errors.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "fake_backend.hpp"
#include "policy/dns_records.hpp"
#include "relay/admin/mfrelay_api.hpp"
#include "relay/common/record_format.hpp"
#include "relay/state/status_json.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
namespace json = boost::json;

struct mfrelay_api_fixture : api_fixture<mfrelay_api> {
  http_response call(std::string method, std::string target) {
    return handle(rest(std::move(method), std::move(target)));
  }
  void check_error(const http_response& r, int status, const std::string& code, const std::string& message) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(r.content_type == "application/json");
    CHECK(json_of(r) == json::value(json::object{{"code", code}, {"message", message}, {"requestId", "req-1"}}));
  }
};

TEST_CASE_FIXTURE(mfrelay_api_fixture, "dns-records: every format renders the record set `mfrelay records` prints") {
  auto records = policy::required_records(*backend.cfg->identities.find("example.com"),
                                          "feedback-smtp.us-west-2.amazonses.com", "amazonses.com");
  REQUIRE(records.size() == 2);
  auto json_r = call("GET", "/v1/identities/example.com/dns-records");
  CHECK(json_r.status == 200);
  CHECK(json_r.content_type == "application/json");
  CHECK(json_r.body == format_records(records, record_format::json));
  CHECK(json_of(json_r) == json::parse(R"([{"name":"mail.example.com","type":"MX",
      "value":"10 feedback-smtp.us-west-2.amazonses.com"},
      {"name":"mail.example.com","type":"TXT","value":"\"v=spf1 include:amazonses.com ~all\""}])"));

  auto csv = call("GET", "/v1/identities/example.com/dns-records?format=csv");
  CHECK(csv.content_type == "text/csv; charset=utf-8");
  CHECK(csv.body == format_records(records, record_format::csv));
  auto zone = call("GET", "/v1/identities/example.com/dns-records?format=zone");
  CHECK(zone.content_type == "text/plain; charset=utf-8");
  CHECK(zone.body == format_records(records, record_format::zone));
  auto table = call("GET", "/v1/identities/example.com/dns-records?format=table");
  CHECK(table.body == format_records(records, record_format::table));

  auto address = call("GET", "/v1/identities/billing%40example.com/dns-records?format=zone");
  CHECK(address.body.starts_with("bounce.example.com.\t3600\tIN\tMX\t10 feedback-smtp.us-west-2.amazonses.com.\n"));
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "dns-records: refusals") {
  check_error(call("GET", "/v1/identities/example.com/dns-records?format=bind"), 400, "BadRequestException",
              "format must be json, csv, zone or table");
  check_error(call("GET", "/v1/identities/unknown.net/dns-records"), 404, "NotFoundException",
              "'unknown.net' is not a declared identity");
  check_error(call("GET", "/v1/identities/other.org/dns-records"), 400, "BadRequestException",
              "identity other.org has no custom MAIL FROM domain; it uses us-west-2.amazonses.com and needs no records");
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "verify: checks now through the backend and returns the identity's status row") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::success, 1000);
  auto r = call("POST", "/v1/identities/Example.COM/verify");
  CHECK(r.status == 200);
  CHECK(backend.verified == std::vector<std::string>{"example.com"});
  auto body = json_of(r).as_object();
  CHECK(body.at("checked") == true);
  CHECK(body.at("identity") == "example.com");
  CHECK(body.at("status") == "Success");
  CHECK(body.at("since") == "1970-01-01T00:16:40.000Z");

  backend.verify_result = false;
  CHECK(json_of(call("POST", "/v1/identities/other.org/verify")).at("checked") == false);
  check_error(call("POST", "/v1/identities/unknown.net/verify"), 404, "NotFoundException",
              "'unknown.net' is not a declared identity");
  check_error(call("GET", "/v1/identities/example.com/verify"), 404, "NotFoundException",
              "No mfrelay route is GET /v1/identities/example.com/verify");
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "explain: a custom MAIL FROM domain in Success gives the custom envelope sender") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::success, 1000);
  auto r = call("GET", "/v1/explain?from=ann%40example.com&user=apps");
  CHECK(r.status == 200);
  auto body = json_of(r).as_object();
  CHECK(body.at("from") == "ann@example.com");
  CHECK(body.at("sender") == "ann@example.com");  // the From address stands in
  CHECK(body.at("user") == "apps");
  CHECK(body.at("identity") == "example.com");
  CHECK(body.at("identityKind") == "domain");
  CHECK(body.at("identityOrigin") == json::value(example_file + ":2:1"));
  CHECK(body.at("mailFromDomain") == "mail.example.com");
  CHECK(body.at("status") == "Success");
  CHECK(body.at("since") == "1970-01-01T00:16:40.000Z");
  CHECK(body.at("behaviorOnMxFailure") == "UseDefaultValue");
  CHECK(body.at("decision") == "custom");
  CHECK(body.at("returnPath") == "<message-id>@mail.example.com");
  CHECK(body.at("reason").is_null());
  CHECK(body.at("smtpReply").is_null());
  CHECK_FALSE(body.at("why").as_string().empty());
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "explain: RejectMessage while Pending rejects with the SMTP reply") {
  auto body = json_of(call("GET", "/v1/explain?from=billing%40example.com&sender=%3C%3E")).as_object();
  CHECK(body.at("sender").is_null());
  CHECK(body.at("user").is_null());
  CHECK(body.at("identity") == "billing@example.com");
  CHECK(body.at("identityKind") == "address");
  CHECK(body.at("status") == "Pending");
  CHECK(body.at("since").is_null());  // never checked
  CHECK(body.at("decision") == "reject");
  CHECK(body.at("reason") == "MailFromDomainNotVerified");
  CHECK(body.at("returnPath").is_null());
  auto reply = body.at("smtpReply").as_object();
  CHECK(reply.at("code") == 554);
  CHECK(std::string(reply.at("text").as_string()).find("MailFromDomainNotVerified") != std::string::npos);
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "explain: no identity, default domain, and refusals") {
  auto none = json_of(call("GET", "/v1/explain?from=a%40unknown.net")).as_object();
  CHECK(none.at("identity").is_null());
  CHECK(none.at("identityKind").is_null());
  CHECK(none.at("decision") == "reject");
  CHECK(none.at("reason") == "IdentityNotVerified");

  auto fallback = json_of(call("GET", "/v1/explain?from=a%40other.org")).as_object();
  CHECK(fallback.at("decision") == "default");
  CHECK(fallback.at("returnPath") == "<message-id>@us-west-2.amazonses.com");
  CHECK(fallback.at("mailFromDomain").is_null());

  check_error(call("GET", "/v1/explain"), 400, "BadRequestException", "from is required");
  check_error(call("GET", "/v1/explain?from=nope"), 400, "BadRequestException", "from 'nope' is not an email address");
  check_error(call("GET", "/v1/explain?from=a%40example.com&sender=x"), 400, "BadRequestException",
              "sender 'x' is not an email address");
  check_error(call("GET", "/v1/explain?from=a%40example.com&user=bob"), 400, "BadRequestException",
              "no [[user]] is named 'bob'");
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "status: the array `mfrelay status --format json` prints") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::temporary_failure, 1000);
  auto r = call("GET", "/v1/status");
  CHECK(r.status == 200);
  CHECK(json_of(r) == json::value(status_json(*backend.cfg, backend.states, {}, nullptr)));
  auto rows = json_of(r).as_array();
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == json::parse(R"({"identity":"billing@example.com","mailFromDomain":"bounce.example.com",
      "status":"Pending","behaviorOnMxFailure":"RejectMessage","since":null,"lastCheck":null,
      "reason":"not checked yet","spf":null,"dkim":{"status":"NOT_STARTED","tokens":[],"since":null,"lastCheck":null,
      "reason":"dkim = false"},"dmarc":null,"mailFromWarning":null})"));
  CHECK(rows[1] == json::parse(R"({"identity":"example.com","mailFromDomain":"mail.example.com",
      "status":"TemporaryFailure","behaviorOnMxFailure":"UseDefaultValue","since":"1970-01-01T00:16:40.000Z",
      "lastCheck":"1970-01-01T00:17:40.000Z","reason":"exactly one MX: 10 feedback-smtp.us-west-2.amazonses.com",
      "spf":"ok","dkim":{"status":"NOT_STARTED","tokens":[],"since":null,"lastCheck":null,
      "reason":"dkim = false"},"dmarc":null,"mailFromWarning":null})"));
  CHECK(rows[3] == json::parse(R"({"identity":"other.org","mailFromDomain":null,"status":null,
      "behaviorOnMxFailure":"UseDefaultValue","since":null,"lastCheck":null,"reason":null,"spf":null,
      "dkim":{"status":"NOT_STARTED","tokens":[],"since":null,"lastCheck":null,
      "reason":"dkim = false"},"dmarc":null,"mailFromWarning":null})"));
}

TEST_CASE_FIXTURE(mfrelay_api_fixture, "status and explain: the DMARC verdict from the daemon's view") {
  backend.set_state("example.com", "mail.example.com", policy::mail_from_status::success, 1000);
  auto view = std::make_shared<dmarc_view>();
  view->suffixes =
      std::make_shared<const policy::public_suffix_list>(policy::public_suffix_list::parse("com\norg\n", nullptr));
  view->records["example.com"] = {policy::dmarc_lookup::state::found,
                                  policy::parse_dmarc_record("v=DMARC1; p=quarantine; aspf=s"), ""};
  backend.dmarc_state = view;
  auto rows = json_of(call("GET", "/v1/status")).as_array();
  const auto& d = rows[1].as_object().at("dmarc").as_object();
  CHECK(rows[1].as_object().at("identity") == "example.com");
  CHECK(d.at("result") == "fail");
  CHECK(d.at("policy") == "quarantine");
  CHECK(d.at("aspf") == "s");
  // other.org: not read yet.
  CHECK(rows[3].as_object().at("dmarc").as_object().at("result") == "unknown");
  auto explained = json_of(call("GET", "/v1/explain?from=a%40example.com")).as_object();
  CHECK(explained.at("dmarc").as_object().at("result") == "fail");
}

}  // namespace
}  // namespace mfrelay::relay
