#include "relay/state/dmarc_json.hpp"

#include <boost/json.hpp>

namespace mfrelay::relay {

std::optional<std::string> dkim_signing_domain(const identity_status& row) {
  // Signing uses d= the From domain, so it aligns under adkim=s and adkim=r alike.
  if (row.identity->dkim && row.dkim == policy::mail_from_status::success) return std::string(row.identity->domain());
  return std::nullopt;
}

policy::dmarc_verdict dmarc_verdict_of(const identity_status& row, const policy::config& cfg, const dmarc_view& view) {
  const policy::identity& id = *row.identity;
  policy::dmarc_inputs in;
  in.from_domain = std::string(id.domain());
  auto status = row.status();
  in.custom_mail_from_success = id.has_mail_from() && status == policy::mail_from_status::success;
  in.envelope_domain = in.custom_mail_from_success ? id.mail_from_domain : cfg.default_mail_from_domain();
  in.dkim_domain = dkim_signing_domain(row);
  static const policy::public_suffix_list no_list;
  const policy::public_suffix_list& psl = view.suffixes ? *view.suffixes : no_list;
  policy::dmarc_lookup lookup;  // pending
  if (auto org = psl.organizational_domain(in.from_domain)) {
    if (auto it = view.records.find(*org); it != view.records.end()) lookup = it->second;
  } else if (auto it = view.records.find(in.from_domain); it != view.records.end()) {
    lookup = it->second;
  }
  return policy::judge_dmarc(in, lookup, psl);
}

boost::json::object dmarc_json(const policy::dmarc_verdict& v) {
  boost::json::object o;
  o["result"] = to_string(v.result);
  o["aligned"] = v.spf_aligned && v.dkim_aligned ? "both" : v.spf_aligned ? "spf" : v.dkim_aligned ? "dkim" : "neither";
  o["spfAligned"] = v.spf_aligned;
  o["dkimAligned"] = v.dkim_aligned;
  o["policy"] = v.policy ? boost::json::value(to_string(*v.policy)) : nullptr;
  o["policyTag"] = v.policy ? boost::json::value(v.subdomain_policy ? "sp" : "p") : nullptr;
  o["organizationalDomain"] = v.organizational_domain;
  o["recordName"] = v.record_name;
  o["record"] = v.record ? boost::json::value(v.record->text) : nullptr;
  o["aspf"] = v.record ? boost::json::value(to_string(v.record->aspf)) : nullptr;
  o["adkim"] = v.record ? boost::json::value(to_string(v.record->adkim)) : nullptr;
  o["pct"] = v.record ? boost::json::value(v.record->pct) : nullptr;
  o["why"] = v.why;
  return o;
}

std::string dmarc_summary(const boost::json::object& d) {
  auto text = [&](const char* key) -> std::string {
    const auto* v = d.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : "";
  };
  const std::string result = text("result");
  const std::string aligned = "(aligned: " + text("aligned") + ")";
  if (result == "unknown") return "unknown: " + text("recordName") + " not read yet";
  if (result == "noPolicy") return "no DMARC policy: no record at " + text("recordName") + " " + aligned;
  const std::string policy = text("policyTag") + "=" + text("policy");
  if (result == "pass") return "pass " + aligned + "; failing mail would get " + policy;
  return "fail " + aligned + ": " + policy + " applies";
}

std::map<std::string, std::string> mail_from_warnings_by_identity(const policy::identity_table& identities) {
  std::map<std::string, std::string> out;
  for (auto& w : policy::mail_from_domain_warnings(identities)) out.emplace(w.identity, std::move(w.text));
  return out;
}

}  // namespace mfrelay::relay
