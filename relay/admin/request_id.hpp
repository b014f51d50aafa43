// Fresh request ids for x-amzn-RequestId and SES bodies' RequestId: UUID-like
// (version 4, OpenSSL random bits). Any thread. No input.
#pragma once
#include <string>

namespace mfrelay::relay {

std::string new_request_id();

}  // namespace mfrelay::relay
