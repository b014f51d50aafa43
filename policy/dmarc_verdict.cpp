#include "policy/dmarc_verdict.hpp"

#include <unordered_map>

#include "policy/ascii.hpp"

namespace mfrelay::policy {
namespace {

std::string mode_text(dmarc_alignment mode, std::string_view tag) {
  return std::string(tag) + "=" + std::string(to_string(mode)) +
         (mode == dmarc_alignment::strict ? " (strict: the same name)" : " (relaxed: the same organizational domain)");
}

std::string spf_why(const dmarc_inputs& in, dmarc_alignment mode, bool aligned) {
  std::string head = "SPF: envelope MAIL FROM " + in.envelope_domain +
                     (in.custom_mail_from_success ? " (custom MAIL FROM in Success)"
                                                  : " (the default MAIL FROM domain: no custom one in Success)");
  return head + (aligned ? " aligns with " : " does not align with ") + in.from_domain + " under " +
         mode_text(mode, "aspf");
}

std::string dkim_why(const dmarc_inputs& in, dmarc_alignment mode, bool aligned) {
  if (!in.dkim_domain) return "DKIM: not aligned, mail carries no mfrelay signature (DKIM not enabled or not in SUCCESS)";
  return "DKIM: d=" + *in.dkim_domain + (aligned ? " aligns with " : " does not align with ") + in.from_domain +
         " under " + mode_text(mode, "adkim");
}

}  // namespace

std::string_view to_string(dmarc_result r) {
  switch (r) {
    case dmarc_result::pass: return "pass";
    case dmarc_result::fail: return "fail";
    case dmarc_result::no_policy: return "noPolicy";
    case dmarc_result::unknown: return "unknown";
  }
  return "unknown";
}

dmarc_lookup next_dmarc_lookup(const dmarc_lookup& previous, const txt_answer& answer) {
  switch (answer.outcome) {
    case dns_outcome::ok: {
      dmarc_lookup next;
      next.record = select_dmarc_record(answer.texts);
      next.what = next.record ? dmarc_lookup::state::found : dmarc_lookup::state::none;
      if (!next.record) {
        std::size_t n = 0;
        for (const auto& t : answer.texts) n += t.size() >= 8 && ascii_istarts_with(t, "v=DMARC1") ? 1 : 0;
        next.detail = n > 1 ? std::to_string(n) + " DMARC records (RFC 7489 6.6.3: none applies)"
                            : n == 1 ? "an invalid DMARC record" : "TXT records, none of them DMARC";
      }
      return next;
    }
    case dns_outcome::nxdomain: return {dmarc_lookup::state::none, std::nullopt, "NXDOMAIN"};
    case dns_outcome::nodata: return {dmarc_lookup::state::none, std::nullopt, "no TXT record"};
    default: return previous;
  }
}

bool dmarc_aligned(std::string_view a, std::string_view b, dmarc_alignment mode, const public_suffix_list& psl) {
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  if (mode == dmarc_alignment::strict) return false;
  auto oa = psl.organizational_domain(a);
  auto ob = psl.organizational_domain(b);
  return oa && ob && *oa == *ob;
}

dmarc_verdict judge_dmarc(const dmarc_inputs& in, const dmarc_lookup& lookup, const public_suffix_list& psl) {
  dmarc_verdict v;
  v.organizational_domain = psl.organizational_domain(in.from_domain).value_or("");
  const std::string& org = v.organizational_domain.empty() ? in.from_domain : v.organizational_domain;
  v.record_name = "_dmarc." + org;
  const dmarc_alignment aspf = lookup.record ? lookup.record->aspf : dmarc_alignment::relaxed;
  const dmarc_alignment adkim = lookup.record ? lookup.record->adkim : dmarc_alignment::relaxed;
  v.spf_aligned = dmarc_aligned(in.envelope_domain, in.from_domain, aspf, psl);
  v.dkim_aligned = in.dkim_domain && dmarc_aligned(*in.dkim_domain, in.from_domain, adkim, psl);
  const std::string reasons = spf_why(in, aspf, v.spf_aligned) + "; " + dkim_why(in, adkim, v.dkim_aligned);

  if (lookup.what == dmarc_lookup::state::pending) {
    v.result = dmarc_result::unknown;
    v.why = v.record_name + " has not been read yet";
    return v;
  }
  if (lookup.what == dmarc_lookup::state::none || !lookup.record) {
    v.result = dmarc_result::no_policy;
    v.why = "no DMARC policy: " + v.record_name + " holds no DMARC record" +
            (lookup.detail.empty() ? "" : " (" + lookup.detail + ")") +
            "; receivers apply none. Alignment if one were published with defaults: " + reasons;
    return v;
  }
  v.record = lookup.record;
  v.subdomain_policy = in.from_domain != org;
  v.policy = v.subdomain_policy ? lookup.record->sp : lookup.record->p;
  const std::string policy_text = std::string(v.subdomain_policy ? "sp=" : "p=") + std::string(to_string(*v.policy));
  if (v.spf_aligned || v.dkim_aligned) {
    v.result = dmarc_result::pass;
    const char* by = v.spf_aligned && v.dkim_aligned ? "SPF and DKIM" : v.spf_aligned ? "SPF" : "DKIM";
    v.why = std::string("passes DMARC alignment by ") + by + "; " + reasons + ". Failing mail would get " + policy_text;
  } else {
    v.result = dmarc_result::fail;
    v.why = "fails DMARC alignment, so " + policy_text + " applies (pct=" + std::to_string(lookup.record->pct) +
            "): " + reasons;
  }
  return v;
}

std::vector<mail_from_warning> mail_from_domain_warnings(const identity_table& identities) {
  std::unordered_map<std::string_view, const identity*> from_domains;  // address identities' domains
  for (const auto& id : identities.all()) {
    if (id.kind == identity_kind::email_address) from_domains.emplace(id.domain(), &id);
  }
  std::vector<mail_from_warning> out;
  for (const auto& id : identities.all()) {
    if (!id.has_mail_from()) continue;
    const identity* sender = nullptr;
    if (auto it = from_domains.find(id.mail_from_domain); it != from_domains.end()) sender = it->second;
    else sender = identities.find(id.mail_from_domain);  // also refused by validate_identities
    if (!sender) continue;
    out.push_back({id.name, id.mail_from_domain, sender->name,
                   "MAIL FROM domain " + id.mail_from_domain + " of " + id.name + " is also a From domain (identity " +
                       sender->name + "): use a subdomain that sends no mail, so bounces and DMARC reports do not "
                       "mix with its mail"});
  }
  return out;
}

}  // namespace mfrelay::policy
