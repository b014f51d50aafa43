#include "relay/admin/admin_router.hpp"

#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/request_id.hpp"

namespace mfrelay::relay {

boost::asio::awaitable<http_response> admin_router::handle(http_request request, std::string request_id) {
  if (request_id.empty()) request_id = new_request_id();
  http_response response;
  if (request.path == "/" && (request.method == "POST" || request.query.contains("Action"))) {
    response = co_await v1_.handle(request, request_id);
  } else if (account_api::owns(request.path)) {
    response = co_await account_.handle(request, request_id);
  } else if (request.path.starts_with("/v2/") || ses_rest_api::owns_v1_route(request.path)) {
    response = co_await v2_.handle(request, request_id);
  } else if (queue_api::owns(request.path)) {
    response = co_await queue_.handle(request, request_id);
  } else if (request.path.starts_with("/v1/")) {
    response = co_await own_.handle(request, request_id);
  } else {
    response = aws_error_response(error_shape_for(request.path), 404, "UnknownOperationException",
                                  "No admin API operation is " + request.method + " " + request.path + ".",
                                  request_id);
  }
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  co_return response;
}

}  // namespace mfrelay::relay
