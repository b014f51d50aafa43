// The JSON of `mfrelay status --format json` and the admin API's GET /v1/status:
// one object per configured identity with keys identity, mailFromDomain, status,
// behaviorOnMxFailure, since, lastCheck, reason, spf, dmarc (dmarc_json, null
// without the daemon's DMARC view), mailFromWarning (text or null) and, when the
// DKIM states are given, dkim: {status, tokens, since, lastCheck, reason} with
// SES's DkimAttributes statuses (NOT_STARTED, PENDING, SUCCESS,
// TEMPORARY_FAILURE, FAILED). Pure, any thread.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <vector>

#include "policy/config.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {

boost::json::object status_row_json(const identity_status& row);

// Every configured identity, in name order (join_states).
boost::json::array status_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                               const dmarc_view* dmarc = nullptr);
boost::json::array status_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                               const std::vector<stored_state>& dkim_stored, const dmarc_view* dmarc = nullptr);

// The "dkim" object of one identity; `stored` is its row of the DKIM store, if any.
boost::json::object dkim_json(const policy::identity& id, const stored_state* stored);
// Adds "dkim" to every row (status_json's) that lacks it, from the DKIM store's rows.
void add_dkim_json(boost::json::array& rows, const policy::config& cfg, const std::vector<stored_state>& dkim_stored);

}  // namespace mfrelay::relay
