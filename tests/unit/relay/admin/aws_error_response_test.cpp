// Error bodies in the shape each client parses.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "relay/admin/aws_error_response.hpp"

namespace mfrelay::relay {
namespace {

std::string header(const http_response& res, std::string_view name) {
  for (const auto& [n, v] : res.headers) {
    if (n == name) return v;
  }
  return {};
}

TEST_CASE("shape by path") {
  CHECK(error_shape_for("/") == aws_error_shape::query_xml);
  CHECK(error_shape_for("/v2/email/identities/x") == aws_error_shape::rest_json);
  CHECK(error_shape_for("/v2") == aws_error_shape::plain_json);
  CHECK(error_shape_for("/mfrelay/status") == aws_error_shape::plain_json);
}

TEST_CASE("SES v1: an XML ErrorResponse, escaped") {
  http_response res = aws_error_response(aws_error_shape::query_xml, 403, "SignatureDoesNotMatch",
                                         "a <b> & \"c\"", "req-1");
  CHECK(res.status == 403);
  CHECK(res.content_type == "text/xml");
  CHECK(res.body ==
        "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n  <Error>\n    <Type>Sender</Type>\n"
        "    <Code>SignatureDoesNotMatch</Code>\n    <Message>a &lt;b&gt; &amp; &quot;c&quot;</Message>\n"
        "  </Error>\n  <RequestId>req-1</RequestId>\n</ErrorResponse>\n");
  CHECK(aws_error_response(aws_error_shape::query_xml, 500, "InternalFailure", "x", "r").body.find(
            "<Type>Receiver</Type>") != std::string::npos);
}

TEST_CASE("SES v2: {\"message\"} and x-amzn-ErrorType") {
  http_response res = aws_error_response(aws_error_shape::rest_json, 403, "InvalidClientTokenId",
                                         "The security token included in the request is invalid.", "req-2");
  CHECK(res.content_type == "application/json");
  CHECK(header(res, "x-amzn-ErrorType") == "InvalidClientTokenId");
  auto body = boost::json::parse(res.body).as_object();
  CHECK(body.at("message").as_string() == "The security token included in the request is invalid.");
}

TEST_CASE("mfrelay's routes: code, message and request id") {
  http_response res = aws_error_response(aws_error_shape::plain_json, 413, "RequestEntityTooLarge", "big", "req-3");
  auto body = boost::json::parse(res.body).as_object();
  CHECK(body.at("code").as_string() == "RequestEntityTooLarge");
  CHECK(body.at("message").as_string() == "big");
  CHECK(body.at("requestId").as_string() == "req-3");
}

}  // namespace
}  // namespace mfrelay::relay
