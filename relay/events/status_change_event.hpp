// Builds the MailFromDomainStatusChange and DkimStatusChange events (DESIGN.md "Events") and the
// DNS evidence JSON kept with each transition in the state store's history.
// Pure functions of their inputs; any thread. The DNS answers are untrusted
// network data and are only ever written as JSON strings.
#pragma once
#include <boost/json/object.hpp>
#include <optional>

#include "dns/verification_sink.hpp"
#include "policy/identity.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

// {"mx": {"outcome": "ok", "records": ["10 feedback-smtp..."]}, "txt": {...}};
// for a DKIM check {"dkim": [{"name": "<token>._domainkey...", "outcome": ..., "records": [...]}, ...]}
boost::json::object dns_evidence(const dns::dns_check& answers);

// `id` is the identity as configured now (for behaviorOnMxFailure); nullptr when unknown.
boost::json::object status_change_event(const state_transition& transition, const stored_state& current,
                                        const policy::identity* id);

// The DkimStatusChange event: {"eventType": "DkimStatusChange", "dkimStatusChange":
// {identity, tokens, previousStatus, status, since, reason, dns}} with SES's
// DkimAttributes spellings (PENDING, SUCCESS, TEMPORARY_FAILURE, FAILED).
boost::json::object dkim_status_change_event(const state_transition& transition);

}  // namespace mfrelay::relay
