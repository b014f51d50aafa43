// The decoded segments of a request path, for the REST routes (SES v2 and mfrelay's own).
// Pure, any thread.
// The path is client input.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

// "/v2/email/identities/a%2Fb%40x.com?x=1" -> {"v2", "email", "identities",
// "a/b@x.com"}: split before decoding, so an encoded '/' stays in its segment.
// The query ('?' on) is ignored; empty segments are kept except the leading one.
std::vector<std::string> path_segments(std::string_view target);

}  // namespace mfrelay::relay
