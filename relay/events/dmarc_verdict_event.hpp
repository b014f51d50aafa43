// Builds the DmarcVerdictChange event (README "Events"): an identity's DMARC
// verdict (dmarc_json) changed, from a _dmarc record edit or its MAIL FROM
// status. Pure; any thread. The record text inside is untrusted DNS data,
// written only as a JSON string.
#pragma once
#include <boost/json/object.hpp>
#include <optional>

#include "policy/identity.hpp"
#include "policy/time.hpp"

namespace mfrelay::relay {

// `previous`: the verdict before (dmarc_json), nullopt for the first one known.
boost::json::object dmarc_verdict_event(const policy::identity& id, const boost::json::object& verdict,
                                        const std::optional<boost::json::object>& previous, policy::timestamp at);

}  // namespace mfrelay::relay
