#include "relay/delivery/delivery_trouble.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <string>

namespace mfrelay::relay {
namespace {

const char* const transient_communication = "TransientCommunicationFailure";

std::string str(std::string_view s) { return std::string(s); }

delivery_verdict deferred(std::string status, std::string diagnostic, const char* delay_type, bool drop) {
  delivery_verdict v;
  v.fate = recipient_fate::deferred;
  v.status = std::move(status);
  v.diagnostic = std::move(diagnostic);
  v.delay_type = delay_type;
  v.drop_session = drop;
  return v;
}

delivery_verdict bounced(std::string status, std::string diagnostic, const char* bounce_type) {
  delivery_verdict v;
  v.fate = recipient_fate::bounced;
  v.status = std::move(status);
  v.diagnostic = std::move(diagnostic);
  v.bounce_type = bounce_type;
  return v;
}

// The reply's own enhanced status when its class agrees with the fate, else "c.0.0".
std::string status_for(const upstream_reply& reply, char fate_class) {
  if (!reply.enhanced.empty() && reply.enhanced[0] == fate_class) return reply.enhanced;
  return std::string(1, fate_class) + ".0.0";
}

bool session_stage(smtp_stage stage) {
  switch (stage) {
    case smtp_stage::connect:
    case smtp_stage::greeting:
    case smtp_stage::helo:
    case smtp_stage::starttls:
    case smtp_stage::tls_handshake:
    case smtp_stage::rset:
    case smtp_stage::quit:
    case smtp_stage::auth:
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* describe(smtp_stage stage) {
  switch (stage) {
    case smtp_stage::connect:
      return "connecting";
    case smtp_stage::greeting:
      return "receiving the initial server greeting";
    case smtp_stage::helo:
      return "performing the EHLO handshake";
    case smtp_stage::starttls:
      return "sending STARTTLS";
    case smtp_stage::tls_handshake:
      return "performing the TLS handshake";
    case smtp_stage::rset:
      return "sending RSET";
    case smtp_stage::mail:
      return "sending MAIL FROM";
    case smtp_stage::rcpt:
      return "sending RCPT TO";
    case smtp_stage::data:
      return "sending DATA";
    case smtp_stage::body:
      return "sending message body";
    case smtp_stage::end_of_data:
      return "sending end of data -- message may be sent more than once";
    case smtp_stage::quit:
      return "sending QUIT";
    case smtp_stage::auth:
      return "authenticating";
  }
  return "talking";
}

bool is_success(smtp_stage stage, const upstream_reply& reply) {
  switch (stage) {
    case smtp_stage::greeting:
    case smtp_stage::starttls:
      return reply.code == 220;
    case smtp_stage::data:
      return reply.code == 354;
    default:
      return reply.reply_class() == 2;
  }
}

delivery_verdict judge_reply(smtp_stage stage, const upstream_reply& reply) {
  std::string diagnostic = "smtp; " + reply.summary();
  delivery_verdict v;
  if (is_success(stage, reply)) {
    v.fate = recipient_fate::delivered;  // final only at end_of_data
    v.status = status_for(reply, '2');
    v.diagnostic = std::move(diagnostic);
  } else if (reply.code == 421) {
    // RFC 5321 3.8: the server is closing the connection.
    v = deferred(status_for(reply, '4'), std::move(diagnostic), "General", true);
  } else if (reply.reply_class() == 4) {
    v = deferred(status_for(reply, '4'), std::move(diagnostic), reply.enhanced == "4.2.2" ? "MailboxFull" : "General",
                 false);
  } else if (reply.reply_class() == 5 && stage == smtp_stage::rcpt && reply.code == 552) {
    v = deferred("4.5.3", std::move(diagnostic), "General", false);  // RFC 5321 4.5.3.1.10
  } else if (reply.reply_class() == 5 && !session_stage(stage)) {
    v = bounced(status_for(reply, '5'), std::move(diagnostic), "Permanent");
  } else if (reply.reply_class() == 5) {
    // The smarthost refuses this relay, not this message: see the header.
    v = deferred("4.0.0", std::move(diagnostic), "General", false);
  } else {
    // A reply of the wrong class for the step (354 to MAIL, 250 to DATA): the two
    // sides no longer agree on where they are. Never guess; start over later.
    v = deferred("4.5.0",
                 "smtp; Protocol error: unexpected reply while " + str(describe(stage)) + ": " + reply.summary(),
                 "General", true);
  }
  v.reply = reply.summary();
  return v;
}

delivery_verdict judge_io_error(smtp_stage stage, boost::system::error_code ec, std::string_view peer) {
  namespace error = boost::asio::error;
  bool timed_out = ec == boost::beast::error::timeout || ec == error::timed_out;
  if (stage == smtp_stage::connect) {
    std::string why = timed_out ? std::string("Connection timed out") : ec.message();
    return deferred("4.4.1", "connect to " + str(peer) + ": " + why, transient_communication, true);
  }
  if (stage == smtp_stage::tls_handshake) {
    std::string why = timed_out ? std::string("timed out") : ec.message();
    return deferred("4.7.5", "Cannot start TLS: handshake failure with " + str(peer) + ": " + why,
                    transient_communication, true);
  }
  if (timed_out)
    return deferred("4.4.2", "conversation with " + str(peer) + " timed out while " + describe(stage),
                    transient_communication, true);
  bool lost = ec == error::eof || ec == error::connection_reset || ec == error::broken_pipe ||
              ec == error::connection_aborted || ec == error::operation_aborted ||
              ec == boost::asio::ssl::error::stream_truncated;
  if (lost)
    return deferred("4.4.2", "lost connection with " + str(peer) + " while " + describe(stage), transient_communication,
                    true);
  return deferred("4.4.2", "error talking to " + str(peer) + " while " + describe(stage) + ": " + ec.message(),
                  transient_communication, true);
}

delivery_verdict judge_malformed_reply(smtp_stage stage, std::string_view peer) {
  return deferred("4.5.0", "Protocol error: malformed reply from " + str(peer) + " while " + describe(stage), "General",
                  true);
}

delivery_verdict judge_tls_not_offered(std::string_view peer) {
  return deferred("4.7.4", "TLS required but not offered by " + str(peer), transient_communication, false);
}

delivery_verdict judge_certificate(std::string_view reason, std::string_view peer) {
  return deferred("4.7.5", "TLS certificate of " + str(peer) + " not verified: " + str(reason),
                  transient_communication, true);
}

delivery_verdict judge_auth_refused(const upstream_reply& reply, std::string_view user, std::string_view peer) {
  delivery_verdict v = deferred("4.7.8",
                                "smtp; " + reply.summary() + " (the smarthost " + str(peer) +
                                    " refused the credentials of user \"" + str(user) + "\")",
                                "SmarthostAuthFailure", true);
  v.reply = reply.summary();
  return v;
}

delivery_verdict judge_auth_impossible(std::string_view why, std::string_view peer) {
  return deferred("4.7.8", "cannot authenticate to " + str(peer) + ": " + str(why), "SmarthostAuthFailure", true);
}

delivery_verdict judge_too_big(std::uint64_t size, std::uint64_t limit, std::string_view peer) {
  return bounced(
      "5.3.4",
      "message size " + std::to_string(size) + " exceeds size limit " + std::to_string(limit) + " of " + str(peer),
      "Permanent");
}

delivery_verdict judge_smtputf8_not_offered(std::string_view peer) {
  return bounced("5.6.7", "SMTPUTF8 is required, but was not offered by " + str(peer), "Permanent");
}

delivery_verdict judge_local_error(std::string_view what) {
  return deferred("4.3.0", str(what), "InternalFailure", false);
}

delivery_verdict judge_bad_address(bool sender) {
  return sender ? bounced("5.1.7", "bad sender address syntax", "Permanent")
                : bounced("5.1.3", "bad recipient address syntax", "Permanent");
}

delivery_verdict judge_null_mx(std::string_view domain) {
  return bounced("5.1.10", "Recipient address has null MX (" + str(domain) + " accepts no mail)", "Permanent");
}

delivery_verdict judge_no_such_domain(std::string_view domain) {
  return bounced("5.1.2", "Host or domain name not found: " + str(domain) + " does not exist (NXDOMAIN)", "Permanent");
}

delivery_verdict judge_cname_loop(std::string_view domain) {
  return bounced("5.4.4", "Unable to route: the name " + str(domain) + " is a CNAME loop in DNS", "Permanent");
}

delivery_verdict judge_dns_trouble(std::string_view domain, std::string_view outcome) {
  return deferred("4.4.3", "Host or domain name lookup failed for " + str(domain) + " (" + str(outcome) + ")",
                  "TransientCommunicationFailure", false);
}

delivery_verdict judge_no_mx_address(std::string_view domain) {
  return deferred("4.4.4", "No address found for any mail exchanger of " + str(domain), "TransientCommunicationFailure",
                  false);
}

delivery_verdict judge_expired(const delivery_verdict& last) {
  delivery_verdict v = bounced("4.4.7", last.diagnostic, "Transient");
  v.reply = last.reply;
  return v;
}

}  // namespace mfrelay::relay
