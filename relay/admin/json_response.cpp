#include "relay/admin/json_response.hpp"

#include <boost/json.hpp>

namespace mfrelay::relay {

http_response json_response(const boost::json::value& body, int status) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace mfrelay::relay
