// The "dmarc" object of status and explain: the verdict from the MAIL FROM
// state and the record the daemon read, and the MAIL FROM / From warning.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "relay/state/status_json.hpp"

namespace mfrelay::relay {
namespace {

policy::identity make(std::string name, std::string mail_from = "") {
  policy::identity id;
  id.name = std::move(name);
  id.kind = id.name.find('@') == std::string::npos ? policy::identity_kind::domain
                                                    : policy::identity_kind::email_address;
  id.mail_from_domain = std::move(mail_from);
  return id;
}

stored_state success(std::string identity, std::string mail_from) {
  stored_state s;
  s.identity = std::move(identity);
  s.mail_from_domain = std::move(mail_from);
  s.state.status = policy::mail_from_status::success;
  return s;
}

}  // namespace

TEST_CASE("status rows carry the DMARC verdict and the MAIL FROM warning") {
  policy::config cfg;
  cfg.identities.add(make("example.com", "bounce.example.com"));
  cfg.identities.add(make("ops@bounce.example.com"));
  cfg.identities.add(make("other.org", "mail.other.org"));
  dmarc_view view;
  view.suffixes = std::make_shared<const policy::public_suffix_list>(policy::public_suffix_list::parse("com\norg\n", nullptr));
  view.records["example.com"] = {policy::dmarc_lookup::state::found,
                                 policy::parse_dmarc_record("v=DMARC1; p=reject; aspf=s"), ""};
  view.records["other.org"] = {policy::dmarc_lookup::state::none, std::nullopt, "NXDOMAIN"};
  std::vector<stored_state> stored{success("example.com", "bounce.example.com"), success("other.org", "mail.other.org")};

  boost::json::array rows = status_json(cfg, stored, &view);
  std::map<std::string, boost::json::object> by;
  for (auto& r : rows) by[std::string(r.as_object().at("identity").as_string())] = r.as_object();

  const auto& strict = by["example.com"].at("dmarc").as_object();
  CHECK(strict.at("result") == "fail");
  CHECK(strict.at("aligned") == "neither");
  CHECK(strict.at("policy") == "reject");
  CHECK(dmarc_summary(strict) == "fail (aligned: neither): p=reject applies");
  CHECK(by["example.com"].at("mailFromWarning").as_string().find("also a From domain") != boost::json::string::npos);

  const auto& none = by["other.org"].at("dmarc").as_object();
  CHECK(none.at("result") == "noPolicy");
  CHECK(none.at("spfAligned") == true);
  CHECK(by["other.org"].at("mailFromWarning").is_null());

  // Without the daemon's view (the CLI reading the store): no verdict.
  CHECK(status_json(cfg, stored)[0].as_object().at("dmarc").is_null());
}

}  // namespace mfrelay::relay
