// A test stand-in for the coroutine that will drive session_machine over TCP:
// it follows the driver contract in session_machine.hpp to the letter (write
// replies, act on actions, drop buffered bytes after STARTTLS) and records
// everything a test may want to look at.
#pragma once
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/auth/base64.hpp"
#include "relay/smtp/session_machine.hpp"
#include "relay/smtp/standard_replies.hpp"

namespace mfrelay::relay::smtp::test {

struct recording_hooks final : session_hooks {
  struct call {
    std::optional<policy::email_address> sender;
    std::string user;
  };
  std::vector<call> calls;
  std::optional<policy::smtp_reply> answer;  // what check_sender returns

  std::optional<policy::smtp_reply> check_sender(const std::optional<policy::email_address>& sender,
                                                 std::string_view user) override {
    calls.push_back({sender, std::string(user)});
    return answer;
  }

  // Feedback listeners: every recipient asked about, and the answer (accept by default).
  std::vector<std::string> recipients_checked;
  std::function<std::optional<policy::smtp_reply>(const policy::email_address&)> recipient_answer;

  std::optional<policy::smtp_reply> check_recipient(const policy::email_address& recipient) override {
    recipients_checked.push_back(recipient.str());
    return recipient_answer ? recipient_answer(recipient) : std::nullopt;
  }
};

struct stored_message {
  message_envelope envelope;
  std::string data;  // everything the machine handed out between begin_data and message_complete
};

inline session_config starttls_password() {
  session_config c;
  c.hostname = "mx.test";
  c.tls = policy::tls_mode::starttls;
  c.auth = policy::auth_mode::password;
  return c;
}

inline session_config implicit_password() {
  session_config c = starttls_password();
  c.tls = policy::tls_mode::implicit;
  c.tls_active = true;
  return c;
}

inline session_config network_listener(std::optional<std::string> user, policy::tls_mode tls = policy::tls_mode::none) {
  session_config c;
  c.hostname = "mx.test";
  c.tls = tls;
  c.auth = policy::auth_mode::network;
  c.network_user = std::move(user);
  return c;
}

inline std::string plain_response(std::string_view authzid, std::string_view user, std::string_view password) {
  std::string message(authzid);
  message += '\0';
  message += user;
  message += '\0';
  message += password;
  return base64_encode(message);
}

class session_driver {
 public:
  explicit session_driver(session_config config) : machine(std::move(config), hooks) {
    handle(machine.greeting());
  }

  recording_hooks hooks;  // before `machine`, which keeps a reference
  session_machine machine;

  std::string replies;  // every byte written to the client, in order
  std::vector<std::string> logged;  // the machine's command descriptions
  std::vector<stored_message> messages;
  std::optional<message_envelope> data_envelope;  // from the last begin_data
  int data_started = 0;
  std::string data;  // of the message being received
  std::string discarded;  // bytes dropped after STARTTLS
  std::vector<auth_credentials> verified;
  std::chrono::milliseconds delay{0};  // sum of the delays asked for
  std::vector<std::chrono::milliseconds> delays;
  bool closed = false;

  std::map<std::string, std::string> passwords{{"app1", "secret"}};
  bool auth_store_down = false;
  std::function<policy::smtp_reply(const message_envelope&)> decide = [](const message_envelope&) {
    return replies::accepted("0100-test");
  };

  // One read from the socket: feeds `bytes` as the driver would and returns
  // what was written to the client meanwhile.
  std::string send(std::string_view bytes) {
    const std::size_t before = replies.size();
    std::string_view buffer = bytes;
    while (!buffer.empty() && !closed) {
      session_output out = machine.on_input(buffer);
      REQUIRE((out.consumed > 0 || out.action != session_action::none));
      REQUIRE(out.consumed <= buffer.size());
      buffer.remove_prefix(out.consumed);
      if (handle(std::move(out))) {
        discarded += buffer;
        buffer = {};
      }
    }
    return replies.substr(before);
  }

  // Returns true when the buffered input must be dropped.
  bool handle(session_output out) {
    delay += out.delay;
    if (out.delay.count() > 0) delays.push_back(out.delay);
    replies += out.replies;
    logged.insert(logged.end(), out.commands.begin(), out.commands.end());
    data += out.data;
    switch (out.action) {
      case session_action::none:
        return false;
      case session_action::start_tls:
        handle(machine.on_tls_started());
        return true;
      case session_action::verify_password: {
        REQUIRE(out.credentials);
        verified.push_back(*out.credentials);
        auto it = passwords.find(out.credentials->user);
        auto result = auth_store_down ? session_machine::auth_result::temporary_failure
                      : it != passwords.end() && it->second == out.credentials->password
                          ? session_machine::auth_result::ok
                          : session_machine::auth_result::invalid;
        return handle(machine.on_auth_result(result));
      }
      case session_action::begin_data:
        REQUIRE(out.message);
        ++data_started;
        data_envelope = out.message;
        data.clear();
        return false;
      case session_action::message_complete:
        REQUIRE(out.message);
        messages.push_back({*out.message, data});
        data.clear();
        return handle(machine.on_message_result(decide(messages.back().envelope)));
      case session_action::close:
        closed = true;
        return true;
    }
    return false;
  }

  // EHLO and AUTH PLAIN as app1; the session must already be under TLS.
  void login() {
    send("EHLO client.example\r\n");
    std::string r = send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n");
    REQUIRE(r == "235 2.7.0 Authentication successful\r\n");
    replies.clear();
  }
};

// Counts non-overlapping occurrences of `needle`.
inline std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace mfrelay::relay::smtp::test
