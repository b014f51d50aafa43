// mfrelay's own admin routes (JSON, SigV4-signed like the SES ones).
// No state but the backend reference: any executor, concurrent calls fine.
// Path and query are client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

//   GET  /v1/identities/{id}/dns-records?format=json|csv|zone|table  the records to publish
//   POST /v1/identities/{id}/verify                                  check the MAIL FROM domain now
//   GET  /v1/explain?from=ADDR[&sender=ADDR][&user=NAME]             what `mfrelay explain` prints
//   GET  /v1/status                                                  what `mfrelay status --format json` prints
// Errors are aws_error_response's plain JSON ({"code", "message", "requestId"}),
// as admin_gate's are for these paths.
class mfrelay_api {
 public:
  explicit mfrelay_api(admin_backend& backend) : backend_(backend) {}

  boost::asio::awaitable<http_response> handle(const http_request& request, std::string request_id);

 private:
  const policy::identity& find_identity(const policy::config& cfg, const std::string& given) const;
  http_response dns_records(const std::string& given, const http_request& request) const;
  boost::asio::awaitable<http_response> verify(const std::string& given);
  http_response explain(const http_request& request) const;
  http_response status() const;

  admin_backend& backend_;
};

}  // namespace mfrelay::relay
