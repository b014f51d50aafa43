// Error responses in the shape each admin client parses: SES v1 XML ErrorResponse, SES v2
// rest-json ({"message"} + x-amzn-ErrorType, where botocore reads the code), small JSON
// for mfrelay's routes. Pure, any thread; codes and messages (client input too) are escaped.
#pragma once
#include <string>
#include <string_view>

#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

enum class aws_error_shape {
  query_xml,  // POST / (Action=...&Version=2010-12-01)
  rest_json,  // /v2/...
  plain_json, // anything else
};

// By path (decoded, without the query): "/" -> query_xml, "/v2/..." -> rest_json, else plain_json.
aws_error_shape error_shape_for(std::string_view path);

// The response for one error; `status` 4xx makes the v1 <Type> "Sender", 5xx "Receiver".
// The caller adds x-amzn-RequestId (http_server does, for every response).
http_response aws_error_response(aws_error_shape shape, int status, std::string_view code, std::string_view message,
                                 std::string_view request_id);

}  // namespace mfrelay::relay
