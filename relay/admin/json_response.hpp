// A JSON success response for the REST routes (SES v2 and mfrelay's own);
// errors go through aws_error_response. Pure, any thread.
#pragma once
#include <boost/json/value.hpp>

#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

http_response json_response(const boost::json::value& body, int status = 200);

}  // namespace mfrelay::relay
