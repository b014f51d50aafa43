// An identity's DKIM attributes as the SES APIs report them (v2 DkimAttributes,
// v1 GetIdentityDkimAttributes), from the policy, the key store and the status
// the backend gives. Pure reads, any thread. Called by ses_query_api and ses_rest_api.
#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/identity.hpp"
#include "relay/admin/admin_backend.hpp"

namespace mfrelay::relay {

struct dkim_view {
  bool signing_enabled = false;              // dkim = true
  dkim_status status = dkim_status::not_started;
  std::vector<std::string> tokens;           // Easy DKIM: the three tokens; BYODKIM: the selector
  bool external = false;                     // SigningAttributesOrigin EXTERNAL
  std::string key_length;                    // "RSA_1024_BIT" / "RSA_2048_BIT"; "" when not RSA 1024/2048 or no key
  std::int64_t generated = 0;                // LastKeyGenerationTimestamp, seconds; 0 = no key
};

dkim_view dkim_view_of(const admin_backend& backend, const policy::identity& id);

// SESv2 DkimAttributes: SigningEnabled, Status, Tokens, SigningAttributesOrigin,
// NextSigningKeyLength / CurrentSigningKeyLength (Easy DKIM, RSA),
// LastKeyGenerationTimestamp (when there is a key).
boost::json::object dkim_attributes_v2(const dkim_view& view);

}  // namespace mfrelay::relay
