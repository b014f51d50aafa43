// Whether mail from an identity passes DMARC (RFC 7489) alignment, by SPF (the
// envelope's MAIL FROM domain, under aspf) and by DKIM (the signing domain,
// under adkim), and which policy then applies. Shown by `mfrelay status`,
// `explain`, the admin API and DmarcVerdictChange events. Pure, any thread;
// the record comes from DNS (untrusted), the rest from configuration and state.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "policy/dmarc_record.hpp"
#include "policy/identity_table.hpp"
#include "policy/mail_from_check.hpp"
#include "policy/public_suffix_list.hpp"

namespace mfrelay::policy {

// What the relay knows of _dmarc.<organizational domain>.
struct dmarc_lookup {
  enum class state {
    pending,  // not read yet (or only ever inconclusive: timeout, SERVFAIL)
    found,    // one valid DMARC record
    none,     // no record, several, or an invalid one: no DMARC policy
  };
  state what = state::pending;
  std::optional<dmarc_record> record;  // with found
  std::string detail;                  // why none ("NXDOMAIN", "2 DMARC records", ...)
};

// What a TXT answer for _dmarc.<domain> teaches: ok, NXDOMAIN and NODATA
// decide (a record, or none); resolver trouble (timeout, SERVFAIL, REFUSED)
// keeps what was known before, as the MAIL FROM states never flap on it.
dmarc_lookup next_dmarc_lookup(const dmarc_lookup& previous, const txt_answer& answer);

struct dmarc_inputs {
  std::string from_domain;               // the identity's domain (an address identity's domain part)
  std::string envelope_domain;           // the MAIL FROM domain the relay uses for it now
  bool custom_mail_from_success = false; // envelope_domain is the identity's custom MAIL FROM in Success
  // The d= domain of the DKIM signature the relay adds, when the identity's
  // DKIM is enabled and in SUCCESS; nullopt: mail carries no signature of ours.
  std::optional<std::string> dkim_domain;
};

enum class dmarc_result {
  pass,       // a record, and SPF or DKIM aligned
  fail,       // a record, neither aligned: its policy applies
  no_policy,  // no DMARC record: receivers apply no DMARC policy
  unknown,    // the record was not read yet
};
std::string_view to_string(dmarc_result r);  // "pass", "fail", "noPolicy", "unknown"

struct dmarc_verdict {
  std::string organizational_domain;  // of from_domain; "" when from_domain is a public suffix
  std::string record_name;            // "_dmarc.<organizational domain>"
  dmarc_result result = dmarc_result::unknown;
  bool spf_aligned = false;   // under the record's aspf (relaxed without a record)
  bool dkim_aligned = false;  // under the record's adkim (relaxed without a record)
  // With a record: the policy for mail that fails (p, or sp for a subdomain
  // of the organizational domain) and which tag gave it.
  std::optional<dmarc_policy> policy;
  bool subdomain_policy = false;  // sp applied
  std::optional<dmarc_record> record;
  std::string why;
};

dmarc_verdict judge_dmarc(const dmarc_inputs& in, const dmarc_lookup& lookup, const public_suffix_list& psl);

// Relaxed: the same organizational domain; strict: the same name.
bool dmarc_aligned(std::string_view a, std::string_view b, dmarc_alignment mode, const public_suffix_list& psl);

// Identities whose custom MAIL FROM domain is also a From domain in the table
// (the domain of an address identity): SPF-aligned bounces and the sender's
// own mail then share one name, and feedback for it mixes with real mail.
struct mail_from_warning {
  std::string identity;           // the one with the MAIL FROM domain
  std::string mail_from_domain;
  std::string from_identity;      // the identity that sends from it
  std::string text;
};
std::vector<mail_from_warning> mail_from_domain_warnings(const identity_table& identities);

}  // namespace mfrelay::policy
