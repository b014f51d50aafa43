#include "relay/admin/dkim_attributes.hpp"

#include <boost/json/array.hpp>

namespace mfrelay::relay {

std::string_view to_v1_string(dkim_status status) {
  switch (status) {
    case dkim_status::pending: return "Pending";
    case dkim_status::success: return "Success";
    case dkim_status::failed: return "Failed";
    case dkim_status::temporary_failure: return "TemporaryFailure";
    case dkim_status::not_started: return "NotStarted";
  }
  return "NotStarted";
}

std::string_view to_v2_string(dkim_status status) {
  switch (status) {
    case dkim_status::pending: return "PENDING";
    case dkim_status::success: return "SUCCESS";
    case dkim_status::failed: return "FAILED";
    case dkim_status::temporary_failure: return "TEMPORARY_FAILURE";
    case dkim_status::not_started: return "NOT_STARTED";
  }
  return "NOT_STARTED";
}

dkim_view dkim_view_of(const admin_backend& backend, const policy::identity& id) {
  dkim_view view;
  view.signing_enabled = id.dkim;
  view.status = backend.dkim_state(id);
  view.external = !id.dkim_selector.empty();
  auto keys = backend.dkim_keys(id.name);
  // Keys of another origin (the change was just made, the reload not yet done) are not shown.
  if (keys && keys->external() != view.external) keys = nullptr;
  if (view.external) view.tokens.push_back(id.dkim_selector);
  if (!keys) return view;
  if (!view.external) view.tokens = keys->tokens;
  view.generated = keys->generated;
  if (keys->key.type() == dkim::key_type::rsa && (keys->key.bits() == 1024 || keys->key.bits() == 2048))
    view.key_length = keys->key.bits() == 1024 ? "RSA_1024_BIT" : "RSA_2048_BIT";
  return view;
}

boost::json::object dkim_attributes_v2(const dkim_view& view) {
  boost::json::array tokens;
  for (const auto& t : view.tokens) tokens.push_back(boost::json::string(t));
  boost::json::object out{{"SigningEnabled", view.signing_enabled},
                          {"Status", to_v2_string(view.status)},
                          {"Tokens", std::move(tokens)},
                          {"SigningAttributesOrigin", view.external ? "EXTERNAL" : "AWS_SES"}};
  if (!view.external && !view.key_length.empty()) {
    out["CurrentSigningKeyLength"] = view.key_length;
    out["NextSigningKeyLength"] = view.key_length;
  }
  if (view.generated > 0) out["LastKeyGenerationTimestamp"] = view.generated;
  return out;
}

}  // namespace mfrelay::relay
