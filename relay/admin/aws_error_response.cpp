#include "relay/admin/aws_error_response.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "relay/admin/xml_writer.hpp"

namespace mfrelay::relay {

aws_error_shape error_shape_for(std::string_view path) {
  if (path == "/") return aws_error_shape::query_xml;
  if (path.substr(0, 4) == "/v2/") return aws_error_shape::rest_json;
  // PutEmailIdentityDkimSigningAttributes' route in older botocore models (ses_rest_api::owns_v1_route).
  if (path.starts_with("/v1/email/identities/") && path.ends_with("/dkim/signing")) return aws_error_shape::rest_json;
  return aws_error_shape::plain_json;
}

http_response aws_error_response(aws_error_shape shape, int status, std::string_view code, std::string_view message,
                                 std::string_view request_id) {
  http_response res;
  res.status = status;
  switch (shape) {
    case aws_error_shape::query_xml:
      res.content_type = "text/xml";
      res.body = "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n  <Error>\n    <Type>";
      res.body += status >= 500 ? "Receiver" : "Sender";
      res.body += "</Type>\n    <Code>" + xml_escape(code) + "</Code>\n    <Message>" + xml_escape(message) +
                  "</Message>\n  </Error>\n  <RequestId>" + xml_escape(request_id) + "</RequestId>\n</ErrorResponse>\n";
      break;
    case aws_error_shape::rest_json: {
      res.content_type = "application/json";
      boost::json::object body;
      body["message"] = message;
      res.body = boost::json::serialize(body);
      res.headers.emplace_back("x-amzn-ErrorType", std::string(code));
      break;
    }
    case aws_error_shape::plain_json: {
      res.content_type = "application/json";
      boost::json::object body;
      body["code"] = code;
      body["message"] = message;
      body["requestId"] = request_id;
      res.body = boost::json::serialize(body);
      break;
    }
  }
  return res;
}

}  // namespace mfrelay::relay
