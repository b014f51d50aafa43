// SES API v1 (query protocol, 2010-12-01) at `/`, for `aws ses`, boto3, Terraform.
// No state but the backend reference: any executor, concurrent calls fine.
// The whole request (form body, query) is client input, authenticated by SigV4.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <map>
#include <string>
#include <string_view>

#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

inline constexpr std::string_view ses_xmlns = "http://ses.amazonaws.com/doc/2010-12-01/";

// SetIdentityMailFromDomain, GetIdentityMailFromDomainAttributes, ListIdentities,
// VerifyDomainIdentity, VerifyEmailIdentity, DeleteIdentity and
// GetIdentityVerificationAttributes (Terraform reads it after a Verify*),
// GetSendQuota and GetSendStatistics ([quota]; -1 = unlimited),
// SetIdentityFeedbackForwardingEnabled and GetIdentityNotificationAttributes
// (forward_feedback; no SNS topics: events go to the event log and webhook),
// VerifyDomainDkim, GetIdentityDkimAttributes and SetIdentityDkimEnabled (Easy
// DKIM, policy.d's dkim key; keys from the backend's key store): XML
// results in SES's namespace, errors as <ErrorResponse> with SES's codes.
class ses_query_api {
 public:
  explicit ses_query_api(admin_backend& backend) : backend_(backend) {}

  // Parameters come from the form body (application/x-www-form-urlencoded)
  // and the query string. `request_id` is echoed in <RequestId>; errors are
  // aws_error_response's <ErrorResponse> with SES's codes.
  boost::asio::awaitable<http_response> handle(const http_request& request, std::string request_id);

 private:
  using params = std::multimap<std::string, std::string>;
  boost::asio::awaitable<http_response> set_identity_mail_from_domain(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> get_identity_mail_from_domain_attributes(const params& p,
                                                                                 const std::string& request_id);
  boost::asio::awaitable<http_response> get_identity_verification_attributes(const params& p,
                                                                             const std::string& request_id);
  boost::asio::awaitable<http_response> list_identities(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> verify_domain_identity(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> verify_email_identity(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> delete_identity(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> set_identity_feedback_forwarding_enabled(const params& p,
                                                                               const std::string& request_id);
  boost::asio::awaitable<http_response> get_identity_notification_attributes(const params& p,
                                                                             const std::string& request_id);
  boost::asio::awaitable<http_response> verify_domain_dkim(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> get_identity_dkim_attributes(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> set_identity_dkim_enabled(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> get_send_quota(const params& p, const std::string& request_id);
  boost::asio::awaitable<http_response> get_send_statistics(const params& p, const std::string& request_id);

  admin_backend& backend_;
};

// The token VerifyDomainIdentity returns: 44 base64 characters, the same for
// a name every time (SES's looks alike). mfrelay checks no TXT record: the
// operator declared the identity, which makes it verified.
std::string verification_token(std::string_view domain);

}  // namespace mfrelay::relay
