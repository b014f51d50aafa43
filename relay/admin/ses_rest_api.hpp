// SES API v2 (REST + JSON) under /v2/email/identities, for `aws sesv2`, boto3, Terraform.
// No state but the backend reference: any executor, concurrent calls fine.
// The whole request (path, query, JSON body) is client input, authenticated by SigV4.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

// PutEmailIdentityMailFromAttributes, PutEmailIdentityFeedbackAttributes,
// PutEmailIdentityDkimAttributes (PUT .../dkim), PutEmailIdentityDkimSigningAttributes
// (PUT .../dkim/signing: Easy DKIM or BYODKIM, the operator's key validated here),
// GetEmailIdentity, ListEmailIdentities,
// CreateEmailIdentity (Tags kept), DeleteEmailIdentity, ListTagsForResource,
// TagResource, UntagResource (/v2/email/tags, ResourceArn
// arn:aws:ses:<region>:<account>:identity/<name>); rest-json errors (status,
// `x-amzn-ErrorType`, {"message"}).
class ses_rest_api {
 public:
  explicit ses_rest_api(admin_backend& backend) : backend_(backend) {}

  // The identity is read from the still-encoded request.target (falling back
  // to request.path), so an address holding an encoded '/' stays one segment.
  boost::asio::awaitable<http_response> handle(const http_request& request, std::string request_id);

  // The one SESv2 route outside /v2 in some botocore models (Debian's among them):
  // PutEmailIdentityDkimSigningAttributes at PUT /v1/email/identities/{id}/dkim/signing.
  static bool owns_v1_route(const std::string& path);

 private:
  http_response get_identity(const std::string& given) const;
  http_response list_identities(const http_request& request) const;
  boost::asio::awaitable<http_response> create_identity(const http_request& request);
  boost::asio::awaitable<http_response> delete_identity(const std::string& given);
  boost::asio::awaitable<http_response> put_mail_from(const std::string& given, const http_request& request);
  boost::asio::awaitable<http_response> put_feedback(const std::string& given, const http_request& request);
  boost::asio::awaitable<http_response> put_dkim(const std::string& given, const http_request& request);
  boost::asio::awaitable<http_response> put_dkim_signing(const std::string& given, const http_request& request);
  http_response list_tags(const http_request& request) const;
  boost::asio::awaitable<http_response> tag_resource(const http_request& request);
  boost::asio::awaitable<http_response> untag_resource(const http_request& request);
  // The declared identity an ARN names (any account; [relay] region), or throws
  // BadRequestException (not an identity ARN) / NotFoundException.
  std::string identity_of_arn(const std::string& arn) const;
  std::string required_arn(const http_request& request) const;  // ?ResourceArn=, or throws

  admin_backend& backend_;
};

}  // namespace mfrelay::relay
