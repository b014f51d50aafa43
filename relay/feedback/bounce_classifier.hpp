// The one place that decides what a failed recipient's status means in SES's
// terms: bounceType (Permanent, Transient, Undetermined) and bounceSubType
// (General, NoEmail, MailboxFull, ...), from the RFC 3463 enhanced status code
// and the remote server's diagnostic text. Pure; any thread. Both inputs come
// from a remote server's report: untrusted, only read.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::relay {

enum class bounce_type { undetermined, permanent, transient };
enum class bounce_subtype {
  undetermined,
  general,
  no_email,
  mailbox_full,
  message_too_large,
  content_rejected,
  attachment_rejected,
};

// SES's spelling: "Permanent", "NoEmail", ...
std::string_view to_string(bounce_type type);
std::string_view to_string(bounce_subtype subtype);

struct bounce_class {
  bounce_type type = bounce_type::undetermined;
  bounce_subtype subtype = bounce_subtype::undetermined;
  bool operator==(const bounce_class&) const = default;
};

// The first RFC 3463 code "c.s.d" (class 2, 4 or 5, subject and detail 1-3
// digits) standing alone in `text` ("550 5.1.1 <a@b>: ..."); empty when none.
std::string find_enhanced_status(std::string_view text);

// Classifies one failed recipient. `status` is the DSN Status field ("5.1.1"),
// `diagnostic` its Diagnostic-Code ("smtp; 550 5.1.1 User unknown"), either may
// be empty. A generic status (x.0.0) gives way to a more specific code in the
// diagnostic; without any code, the diagnostic's basic reply code (5yz, 4yz)
// gives the class. Class 5 is Permanent, class 4 Transient, no class
// Undetermined. Subtypes, as SES pairs them: NoEmail (x.1.1 or "user unknown"
// texts) is Permanent; MailboxFull (x.2.2, "over quota"), MessageTooLarge
// (x.3.4, x.2.3, "too large"), ContentRejected (x.6.x, and x.7.x naming
// spam/content/virus) and AttachmentRejected (an attachment or file type named)
// are Transient whatever the class, because the same address may take another
// message later; everything else is General.
bounce_class classify_bounce(std::string_view status, std::string_view diagnostic);

}  // namespace mfrelay::relay
