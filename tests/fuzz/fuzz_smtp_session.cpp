// libFuzzer harness for the SMTP server side without I/O: arbitrary client
// bytes, cut into reads, through session_machine exactly as the driver
// contract at the top of session_machine.hpp says (replies before the next
// read, buffered input dropped at STARTTLS, async results fed back), with the
// async results (TLS handshake, password check, the driver's answer to a
// message, check_sender's verdict) and read timeouts chosen by the input too,
// so every state is reachable. Invariants checked on every output:
//   - replies: each line ends with CRLF, holds no other CR or LF and no control
//     octet, is at most 512 octets, starts "ddd " or "ddd-" with 200 <= ddd <= 599;
//   - after close, no more output;
//   - the machine always makes progress (consumed > 0 or an action);
//   - DATA content ends exactly at the first CRLF.CRLF of the data-phase bytes,
//     and the content handed out never holds a bare CR or LF;
//   - a message is only ever begun for an authenticated or trusted client
//     (the relay stays closed), and after STARTTLS nothing learnt before survives.
//
// Input: [flags] [r] reads[r] [d] decisions[d] client-bytes...
//   flags: bits 0-1 tls (starttls, implicit, none, starttls), bit 2 auth=network,
//   bit 3 a network user, bit 4 bare_newline=normalize, bit 5 small limits,
//   bit 6 TLS already active.
//   reads: the size of each read, in turn, cyclically; 0 = all that is left,
//   255 = the idle/data timer fires instead. None: one read of everything.
//   decisions: the async results and hook answers, in turn, cyclically. None:
//   handshakes succeed, the password of app1 is "secret", senders and
//   messages are accepted.
// So a plain transcript after three bytes (more to cut it at STARTTLS) is a
// meaningful input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "relay/smtp/received_header.hpp"
#include "relay/smtp/reply_renderer.hpp"
#include "relay/smtp/session_machine.hpp"
#include "relay/smtp/standard_replies.hpp"

namespace {

using namespace mfrelay::relay::smtp;
using mfrelay::policy::smtp_reply;

class control_bytes {
 public:
  control_bytes() = default;
  control_bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t next() {
    if (size_ == 0) return 0;
    std::uint8_t b = data_[at_];
    at_ = (at_ + 1) % size_;
    return b;
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t at_ = 0;
};

struct fuzz_hooks final : session_hooks {
  explicit fuzz_hooks(control_bytes& c) : control(&c) {}
  control_bytes* control;
  std::optional<smtp_reply> check_sender(const std::optional<mfrelay::policy::email_address>& sender,
                                         std::string_view user) override {
    const std::string who = sender ? sender->str() : std::string("<>");
    switch (control->next() % 4) {
      case 1:
        return smtp_reply{554, "5.7.1",
                          "Message rejected: Email address is not verified. The following identities failed "
                          "the check in region US-WEST-2: " + who + ", " + std::string(user)};
      case 2:
        // A reply built from client text with line ends in it: render_reply must neutralise them.
        return smtp_reply{550, "5.1.0", "refused\r\n250 2.0.0 Ok " + who + std::string(600, 'x') + "\xc3\xa9"};
      case 3:
        return smtp_reply{99, "bogus", who};  // out of range: normalised to 451
      default:
        return std::nullopt;
    }
  }
};

// MFRELAY_FUZZ_TRACE=1 prints what the driver writes and does (to replay a crash).
const bool trace = std::getenv("MFRELAY_FUZZ_TRACE") != nullptr;

bool has_bare_cr_or_lf(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

void check_replies(std::string_view replies) {
  std::string_view rest = replies;
  while (!rest.empty()) {
    const std::size_t crlf = rest.find("\r\n");
    FUZZ_CHECK_MSG(crlf != std::string_view::npos, replies);  // every reply ends with CRLF
    const std::string_view line = rest.substr(0, crlf);
    FUZZ_CHECK_MSG(line.size() + 2 <= max_reply_line, line);
    for (char ch : line) {
      auto c = static_cast<unsigned char>(ch);
      FUZZ_CHECK_MSG(c >= 0x20 && c != 0x7f, line);  // CR, LF and other controls never inside
    }
    FUZZ_CHECK_MSG(line.size() >= 4 && (line[3] == ' ' || line[3] == '-'), line);
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    FUZZ_CHECK_MSG(line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
                       line[2] <= '9' && code >= 200 && code <= 599,
                   line);
    rest.remove_prefix(crlf + 2);
  }
}

// "\r\n" + data-phase bytes: where the first CRLF.CRLF ends, counted in data-phase bytes.
std::size_t reference_data_end(std::string_view data_phase) {
  const std::string framed = "\r\n" + std::string(data_phase);
  const std::size_t at = framed.find("\r\n.\r\n");
  return at == std::string::npos ? std::string::npos : at + 3;
}

class fuzz_driver {
 public:
  fuzz_driver(session_config config, control_bytes reads, control_bytes decisions, std::string_view stream)
      : config_(config), reads_(reads), control_(decisions), stream_(stream), hooks_(control_), machine_(config, hooks_) {}

  void run() {
    handle(machine_.greeting());
    while (!closed_) {
      if (buffer_.empty()) {
        if (pos_ == stream_.size()) break;
        const std::uint8_t c = reads_.next();
        if (c == 0xff) {  // the idle or data timer fires instead of a read
          session_output out = machine_.on_timeout();
          FUZZ_CHECK(out.action == session_action::close);
          handle(std::move(out));
          FUZZ_CHECK(closed_);
          break;
        }
        const std::size_t left = stream_.size() - pos_;
        const std::size_t n = c == 0 ? left : std::min<std::size_t>(c, left);
        buffer_ = stream_.substr(pos_, n);
        pos_ += n;
      }
      session_output out = machine_.on_input(buffer_);
      // Without progress the driver would call again with the same bytes forever.
      FUZZ_CHECK(out.consumed > 0 || out.action != session_action::none);
      FUZZ_CHECK(out.consumed <= buffer_.size());
      if (out.action == session_action::start_tls || out.action == session_action::begin_data) {
        // STARTTLS and DATA are the last thing read: what follows the line is
        // the driver's to drop (STARTTLS) or the message's (DATA).
        FUZZ_CHECK(out.consumed > 0 && buffer_[out.consumed - 1] == '\n' && out.data.empty());
      }
      buffer_.remove_prefix(out.consumed);
      offset_ += out.consumed;
      if (handle(std::move(out))) {
        offset_ += buffer_.size();  // dropped, never read
        buffer_ = {};
      }
    }
    if (machine_closed_) {
      // A closed machine says nothing more, whatever else arrives.
      FUZZ_CHECK(machine_.closed());
      session_output out = machine_.on_input("QUIT\r\nEHLO again\r\n");
      FUZZ_CHECK(out.replies.empty() && out.action == session_action::close && out.data.empty());
      return;
    }
    if (in_data_ && !closed_) {
      // Every byte was read and the message never ended: the data-phase bytes
      // must hold no CRLF.CRLF.
      FUZZ_CHECK_MSG(reference_data_end(stream_.substr(data_begin_)) == std::string::npos,
                     stream_.substr(data_begin_));
    }
  }

 private:
  // Returns true when buffered input must be dropped (STARTTLS, close).
  bool handle(session_output out) {
    if (trace) {
      std::fprintf(stderr, "[consumed %zu, action %d, %zu data octets]\n%.*s", out.consumed,
                   static_cast<int>(out.action), out.data.size(), static_cast<int>(out.replies.size()),
                   out.replies.data());
    }
    FUZZ_CHECK(!closed_ || (out.replies.empty() && out.action == session_action::close));
    FUZZ_CHECK(out.delay.count() >= 0);
    check_replies(out.replies);
    for (const std::string& logged : out.commands) {
      FUZZ_CHECK(logged.size() <= 512);
      for (char ch : logged) FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20);
    }
    if (!out.data.empty()) {
      FUZZ_CHECK(in_data_);
      data_ += out.data;
    }
    switch (out.action) {
      case session_action::none:
        return false;
      case session_action::start_tls: {
        FUZZ_CHECK(out.replies.ends_with("220 2.0.0 Ready to start TLS\r\n") ||
                   out.replies.ends_with("220 Ready to start TLS\r\n"));
        if (control_.next() % 8 == 7) {  // the handshake failed: the driver closes
          closed_ = true;
          return true;
        }
        session_output after = machine_.on_tls_started();
        // RFC 3207: nothing learnt in plaintext survives.
        FUZZ_CHECK(machine_.tls_active() && !machine_.esmtp() && !machine_.authenticated_user());
        FUZZ_CHECK(after.replies.empty() && after.action == session_action::none);
        handle(std::move(after));
        return true;
      }
      case session_action::verify_password: {
        FUZZ_CHECK(out.credentials.has_value());
        FUZZ_CHECK(!out.credentials->user.empty() && !out.credentials->password.empty());
        FUZZ_CHECK(config_.auth == mfrelay::policy::auth_mode::password && machine_.tls_active());
        session_machine::auth_result result = session_machine::auth_result::invalid;
        switch (control_.next() % 4) {
          case 0:
            result = out.credentials->user == "app1" && out.credentials->password == "secret"
                         ? session_machine::auth_result::ok
                         : session_machine::auth_result::invalid;
            break;
          case 1:
            result = session_machine::auth_result::ok;
            break;
          case 2:
            result = session_machine::auth_result::invalid;
            break;
          default:
            result = session_machine::auth_result::temporary_failure;
            break;
        }
        return handle(machine_.on_auth_result(result));
      }
      case session_action::begin_data: {
        FUZZ_CHECK(out.message.has_value() && !in_data_);
        FUZZ_CHECK(!out.message->recipients.empty());
        FUZZ_CHECK(out.message->recipients.size() <= config_.max_recipients);
        // The relay is closed: only a trusted network client or an
        // authenticated one under TLS gets a message in.
        if (config_.auth == mfrelay::policy::auth_mode::network) {
          FUZZ_CHECK(config_.network_user.has_value());
        } else {
          FUZZ_CHECK(machine_.tls_active() && machine_.authenticated_user().has_value());
        }
        const std::string received = received_header({.helo = out.message->helo,
                                                      .client_ip = "192.0.2.1",
                                                      .hostname = config_.hostname,
                                                      .protocol = out.message->protocol,
                                                      .message_id = "0100-fuzz",
                                                      .recipients = &out.message->recipients,
                                                      .date = "Tue, 26 Nov 2024 08:03:00 +0000"});
        FUZZ_CHECK_MSG(received.ends_with("\r\n") && !has_bare_cr_or_lf(received), received);
        for (std::size_t at = received.find("\r\n"); at + 2 < received.size(); at = received.find("\r\n", at + 2)) {
          FUZZ_CHECK_MSG(received[at + 2] == '\t', received);  // folded, one header field
        }
        in_data_ = true;
        data_.clear();
        data_begin_ = offset_;
        return false;
      }
      case session_action::message_complete: {
        FUZZ_CHECK(out.message.has_value() && in_data_);
        in_data_ = false;
        // SMTP smuggling: the end is the first CRLF.CRLF and nothing else.
        const std::size_t end = reference_data_end(stream_.substr(data_begin_));
        FUZZ_CHECK_MSG(end != std::string::npos && data_begin_ + end == offset_, stream_.substr(data_begin_));
        FUZZ_CHECK_MSG(!has_bare_cr_or_lf(data_), data_);
        if (!out.message->rejection) {
          FUZZ_CHECK(data_.empty() || data_.ends_with("\r\n"));
          FUZZ_CHECK(out.message->size == data_.size() && data_.size() <= config_.max_message_bytes);
          FUZZ_CHECK(out.message->from.has_value());
        }
        smtp_reply reply = replies::accepted("0100-fuzz");
        const std::string from = out.message->from ? out.message->from->str() : std::string();
        switch (control_.next() % 5) {
          case 1:
            reply = {554, "5.7.1", "Message rejected: MailFromDomainNotVerified " + from};
            break;
          case 2:
            reply = {451, "4.3.0", "Error: queue file write error"};
            break;
          case 3:
            reply = {1000, "", from};
            break;
          case 4:
            reply = {250, "2.0.0", "Ok " + std::string(out.message->headers.subject) + "\r\n" + data_};
            break;
          default:
            break;
        }
        data_.clear();
        session_output result = machine_.on_message_result(reply);
        if (out.message->rejection) {
          FUZZ_CHECK(result.replies.starts_with(std::to_string(out.message->rejection->code)));
        }
        return handle(std::move(result));
      }
      case session_action::close:
        closed_ = machine_closed_ = true;
        return true;
    }
    return false;
  }

  session_config config_;
  control_bytes reads_;
  control_bytes control_;  // decisions
  std::string_view stream_;  // everything the client sends, in order
  std::size_t pos_ = 0;      // of stream_ read so far
  std::size_t offset_ = 0;   // of stream_ consumed or dropped so far
  std::string_view buffer_;  // read, not yet consumed
  fuzz_hooks hooks_;
  session_machine machine_;
  bool closed_ = false;          // the driver closed the connection
  bool machine_closed_ = false;  // because the machine said so
  bool in_data_ = false;
  std::size_t data_begin_ = 0;
  std::string data_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  // [flags] [r] reads[r] [d] decisions[d] stream
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  auto take = [&in](std::size_t n) {
    std::string_view part = in.substr(0, std::min(n, in.size()));
    in.remove_prefix(part.size());
    return part;
  };
  auto control = [](std::string_view part) {
    return control_bytes(reinterpret_cast<const std::uint8_t*>(part.data()), part.size());
  };
  if (in.size() < 3) return 0;
  const auto flags = static_cast<std::uint8_t>(take(1)[0]);
  const control_bytes reads = control(take(static_cast<std::uint8_t>(take(1)[0])));
  const std::string_view d = take(1);
  const control_bytes decisions = control(d.empty() ? d : take(static_cast<std::uint8_t>(d[0])));
  const std::string_view stream = in;

  session_config config;
  config.hostname = "mx.fuzz.test";
  constexpr mfrelay::policy::tls_mode tls_modes[] = {mfrelay::policy::tls_mode::starttls,
                                                     mfrelay::policy::tls_mode::implicit,
                                                     mfrelay::policy::tls_mode::none,
                                                     mfrelay::policy::tls_mode::starttls};
  config.tls = tls_modes[flags & 3];
  config.auth = flags & 4 ? mfrelay::policy::auth_mode::network : mfrelay::policy::auth_mode::password;
  if (flags & 8) config.network_user = "local-apps";
  config.bare_newline =
      flags & 16 ? mfrelay::policy::bare_newline_mode::normalize : mfrelay::policy::bare_newline_mode::reject;
  if (flags & 32) {
    config.max_message_bytes = 200;
    config.max_recipients = 2;
    config.max_errors = 3;
    config.max_auth_failures = 2;
  }
  config.tls_active = (flags & 64) != 0;

  fuzz_driver driver(config, reads, decisions, stream);
  driver.run();
  return 0;
}
