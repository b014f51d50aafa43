// classify_bounce: the table from RFC 3463 status codes and diagnostic words
// to SES's bounceType / bounceSubType, and find_enhanced_status.
#include "relay/feedback/bounce_classifier.hpp"

#include <doctest/doctest.h>

namespace mfrelay::relay {
namespace {

struct row {
  const char* status;
  const char* diagnostic;
  bounce_type type;
  bounce_subtype subtype;
};

TEST_CASE("status codes and diagnostic texts to SES bounce types") {
  using T = bounce_type;
  using S = bounce_subtype;
  const row rows[] = {
      {"5.1.1", "", T::permanent, S::no_email},
      {"5.1.1", "smtp; 550 5.1.1 user unknown", T::permanent, S::no_email},
      {"5.0.0", "smtp; 550 5.1.1 <a@b>: Recipient address rejected", T::permanent, S::no_email},
      {"5.0.0", "smtp; 550 No such user here", T::permanent, S::no_email},
      {"", "smtp; 550 Requested action not taken: mailbox unavailable", T::permanent, S::no_email},
      {"4.1.1", "", T::transient, S::general},  // "try later" is never a missing mailbox
      {"5.2.2", "", T::transient, S::mailbox_full},
      {"4.2.2", "smtp; 452 4.2.2 over quota", T::transient, S::mailbox_full},
      {"5.0.0", "smtp; 552 Mailbox is full", T::transient, S::mailbox_full},
      {"5.3.4", "", T::transient, S::message_too_large},
      {"5.2.3", "", T::transient, S::message_too_large},
      {"5.0.0", "smtp; 552 message size exceeds fixed limit", T::transient, S::message_too_large},
      {"5.7.1", "smtp; 550 5.7.1 Message rejected as spam", T::transient, S::content_rejected},
      {"5.7.1", "smtp; 554 5.7.1 virus found", T::transient, S::content_rejected},
      {"5.7.1", "smtp; 552 5.7.1 attachment type not allowed (.exe)", T::transient, S::attachment_rejected},
      {"5.6.0", "", T::transient, S::content_rejected},
      {"5.7.1", "smtp; 554 5.7.1 Relay access denied", T::permanent, S::general},
      {"5.7.26", "smtp; 550 5.7.26 unauthenticated email from example.com is not accepted", T::permanent, S::general},
      {"5.4.4", "", T::permanent, S::general},
      {"4.4.7", "", T::transient, S::general},
      {"", "smtp; 550 rejected", T::permanent, S::general},
      {"", "", T::undetermined, S::undetermined},
      {"2.0.0", "", T::undetermined, S::undetermined},
      {"garbage", "no code here", T::undetermined, S::undetermined},
      {"5.1.1.1", "", T::undetermined, S::undetermined},
  };
  for (const row& r : rows) {
    CAPTURE(r.status);
    CAPTURE(r.diagnostic);
    bounce_class c = classify_bounce(r.status, r.diagnostic);
    CHECK(to_string(c.type) == to_string(r.type));
    CHECK(to_string(c.subtype) == to_string(r.subtype));
  }
}

TEST_CASE("SES's spelling of the types") {
  CHECK(to_string(bounce_type::permanent) == "Permanent");
  CHECK(to_string(bounce_subtype::no_email) == "NoEmail");
  CHECK(to_string(bounce_subtype::attachment_rejected) == "AttachmentRejected");
  CHECK(to_string(bounce_subtype::undetermined) == "Undetermined");
}

TEST_CASE("find_enhanced_status takes a code standing alone, not an address or a version") {
  CHECK(find_enhanced_status("550 5.1.1 <a@b>: unknown") == "5.1.1");
  CHECK(find_enhanced_status("550-5.7.26 blocked") == "5.7.26");
  CHECK(find_enhanced_status("Sorry (#5.1.1)") == "5.1.1");
  CHECK(find_enhanced_status("host 192.0.2.5 said 550") == "");
  CHECK(find_enhanced_status("version 4.2.2.1") == "");
  CHECK(find_enhanced_status("5.1.") == "");
  CHECK(find_enhanced_status("") == "");
}

}  // namespace
}  // namespace mfrelay::relay
