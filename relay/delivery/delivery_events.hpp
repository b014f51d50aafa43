// SES-shaped JSON events for delivery outcomes (DESIGN.md "Events"): Delivery,
// DeliveryDelay and Bounce, each with the `mail`, `policy` and `session` objects the
// SMTP side stored in the envelope's metadata. Pure functions; any thread. Addresses
// and upstream replies are untrusted and only ever written as JSON strings.
#pragma once
#include <boost/json/object.hpp>
#include <span>
#include <string_view>

#include "relay/delivery/delivery_observer.hpp"

namespace mfrelay::relay {

// {"eventType":"Delivery","mail":{...},"delivery":{"timestamp","processingTimeMillis",
//  "recipients":[...],"smtpResponse","reportingMTA","remoteMtaIp"},"policy":{...},"session":{...}}
boost::json::object delivery_event(const envelope& env, const delivery_attempt& attempt,
                                   std::span<const recipient_outcome> delivered);

// {"eventType":"DeliveryDelay",...,"deliveryDelay":{"timestamp","delayType","expirationTime",
//  "delayedRecipients":[{"emailAddress","status","diagnosticCode"}],"reportingMTA","remoteMtaIp"}}
boost::json::object delay_event(const envelope& env, const delivery_attempt& attempt,
                                std::span<const recipient_outcome> delayed);

// {"eventType":"Bounce",...,"bounce":{"bounceType","bounceSubType":"General",
//  "bouncedRecipients":[{"emailAddress","action":"failed","status","diagnosticCode"}],
//  "timestamp","feedbackId","reportingMTA":"dsn; <hostname>","remoteMtaIp",
//  "dsnMessageId": the DSN's message id or null}}
boost::json::object bounce_event(const envelope& env, const delivery_attempt& attempt,
                                 std::span<const recipient_outcome> bounced, std::string_view feedback_id);

}  // namespace mfrelay::relay
