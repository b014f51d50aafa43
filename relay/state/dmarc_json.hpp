// The DMARC verdict of an identity as JSON: the "dmarc" object of `mfrelay
// status`, `explain`, GET /v1/status, /v1/explain and DmarcVerdictChange
// events. dmarc_view is what the daemon's DMARC reader last learned from DNS
// (immutable once published: any thread). The records are untrusted DNS text.
#pragma once
#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "policy/config.hpp"
#include "policy/dmarc_verdict.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {

struct dmarc_view {
  std::shared_ptr<const policy::public_suffix_list> suffixes;
  std::map<std::string, policy::dmarc_lookup> records;  // organizational domain -> what _dmarc.<it> holds
};

// The identity's verdict now: its MAIL FROM status (row), the envelope domain
// the relay would use, the DKIM signing domain (dkim_signing_domain) and the
// record the view holds for its organizational domain.
policy::dmarc_verdict dmarc_verdict_of(const identity_status& row, const policy::config& cfg, const dmarc_view& view);

// The d= domain of mfrelay's DKIM signature on the identity's mail, when its
// DKIM is enabled and in SUCCESS (row.dkim); nullopt otherwise. The one place
// the DKIM status enters the verdict.
std::optional<std::string> dkim_signing_domain(const identity_status& row);

// {"result": "pass|fail|noPolicy|unknown", "aligned": "spf|dkim|both|neither",
//  "spfAligned", "dkimAligned", "policy": "reject"|null, "policyTag": "p"|"sp"|null,
//  "organizationalDomain", "recordName", "record": text|null, "aspf", "adkim",
//  "pct", "why"}
boost::json::object dmarc_json(const policy::dmarc_verdict& v);

// One line for tables: "fail: p=reject applies (SPF no, DKIM no)".
std::string dmarc_summary(const boost::json::object& dmarc);

// identity -> the warning text of mail_from_domain_warnings.
std::map<std::string, std::string> mail_from_warnings_by_identity(const policy::identity_table& identities);

}  // namespace mfrelay::relay
