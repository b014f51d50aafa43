// SES API v2 (REST + JSON) for the account: GetAccount (SendQuota,
// SuppressionAttributes), PutAccountSuppressionAttributes, and the
// account-level suppression list (Put/Get/Delete/ListSuppressedDestinations),
// for `aws sesv2`, boto3 and `mfrelay suppression`. No state but the backend
// reference: any executor. The request (path, query, JSON body) is client
// input, authenticated by SigV4; rest-json errors as ses_rest_api gives them.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

// "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.250+02:00", "2024-05-01" or
// epoch seconds ("1714564800", "1714564800.5"): how clients send a timestamp
// in a query string. nullopt when it is none of those.
std::optional<policy::timestamp> parse_api_timestamp(std::string_view text);

class account_api {
 public:
  explicit account_api(admin_backend& backend) : backend_(backend) {}

  static bool owns(const std::string& path) {
    return path == "/v2/email/account" || path.starts_with("/v2/email/account/") ||
           path.starts_with("/v2/email/suppression/");
  }

  boost::asio::awaitable<http_response> handle(const http_request& request, std::string request_id);

 private:
  http_response get_account() const;
  boost::asio::awaitable<http_response> put_attributes(const http_request& request);
  boost::asio::awaitable<http_response> put_destination(const http_request& request);
  http_response get_destination(const std::string& address) const;
  boost::asio::awaitable<http_response> delete_destination(const std::string& address);
  http_response list_destinations(const http_request& request) const;
  suppression_list& list() const;  // or throws (the backend has none)

  admin_backend& backend_;
};

}  // namespace mfrelay::relay
