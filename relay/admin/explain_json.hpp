// The answer to "what would happen to a message from ADDR": the decision as
// JSON, shared by `mfrelay explain` (printed as text) and the admin API's
// GET /v1/explain. The `policy` fields of the events (identity,
// mailFromDomain, status, behaviorOnMxFailure, decision, returnPath) plus
// from, sender, user, identityKind, identityOrigin, since, reason, smtpReply,
// why, dmarc (the matched identity's dmarc_json; null without a view or an
// identity) and mailFromWarning. Pure; any thread.
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <vector>

#include "policy/config.hpp"
#include "policy/email_address.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

boost::json::object explain_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                                 const policy::email_address& from, const std::optional<policy::email_address>& sender,
                                 const policy::user* user, const dmarc_view* dmarc = nullptr,
                                 const std::vector<stored_state>& dkim_stored = {});

}  // namespace mfrelay::relay
