#include "relay/delivery/smtp_client.hpp"

#include <algorithm>
#include <optional>

#include "relay/auth/base64.hpp"
#include "relay/delivery/dot_stuffing.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;

namespace {

bool is_ascii(std::string_view s) { return !has_8bit(s); }

// An address goes between '<' and '>' on one command line: nothing may end it early.
bool fits_command_line(std::string_view address) {
  return address.find_first_of(std::string_view("\r\n\0<>", 5)) == std::string_view::npos;
}

bool needs_smtputf8(const outgoing_message& m) {
  if (!is_ascii(m.return_path)) return true;
  return std::any_of(m.recipients.begin(), m.recipients.end(), [](const std::string& r) { return !is_ascii(r); });
}

bool undecided(const recipient_outcome& o) { return o.verdict.status.empty(); }

void settle_undecided(transaction_result& result, const delivery_verdict& verdict) {
  for (auto& o : result.recipients)
    if (undecided(o)) o.verdict = verdict;
}

}  // namespace

smtp_client::smtp_client(asio::any_io_executor ex, asio::ssl::context& tls, smtp_client_settings settings)
    : tls_(tls), settings_(std::move(settings)), connection_(std::move(ex)) {
  set_peer();
}

bool smtp_client::connected() const noexcept { return session_ && connection_.is_open(); }

void smtp_client::abort() noexcept {
  aborted_ = true;
  connection_.close();
  session_ = false;
}

void smtp_client::set_peer() {
  peer_ = settings_.server_name.empty() ? settings_.server.host : settings_.server_name;
  if (!connection_.remote_ip().empty()) peer_ += "[" + connection_.remote_ip() + "]";
  peer_ += ":" + std::to_string(settings_.server.port);
}

asio::awaitable<transaction_result> smtp_client::deliver(outgoing_message message) {
  transaction_result result;
  for (const auto& address : message.recipients) {
    recipient_outcome o;
    o.address = address;
    result.recipients.push_back(std::move(o));
  }
  aborted_ = false;
  for (int round = 0;; ++round) {
    bool reused = session_;
    bool opening = false;
    progress_ = 0;
    std::optional<delivery_verdict> trouble;
    try {
      if (!session_) {
        opening = true;
        co_await open_session();
        opening = false;
      } else if (need_rset_) {
        co_await reset();
      }
      co_await transact(message, result);
    } catch (const failure& f) {
      trouble = f.verdict;
    }
    if (!trouble) break;
    connection_.close();
    session_ = false;
    // An idle session the server had given up on: once more, on a new one (unless
    // abort() is why the session died).
    if (round == 0 && reused && progress_ == 0 && !aborted_) continue;
    settle_undecided(result, *trouble);
    result.session_failed = opening;
    break;
  }
  result.remote_address = connection_.remote_ip();
  // [delivery] messages_per_connection: a transaction happened on this session
  // (whatever its outcome); at the limit, leave now rather than when the next
  // message finds a session the receiver may hold against us.
  if (session_ && settings_.max_transactions > 0 && ++transactions_ >= settings_.max_transactions)
    co_await goodbye();
  co_return result;
}

asio::awaitable<void> smtp_client::quit() {
  if (connection_.is_open()) co_await goodbye();
  session_ = false;
}

asio::awaitable<void> smtp_client::goodbye() {
  policy::duration t = std::min<policy::duration>(settings_.command_timeout, std::chrono::seconds(10));
  std::string_view line = "QUIT\r\n";
  auto ec = co_await connection_.write(line, t);
  if (!ec) co_await connection_.read_reply(t);  // 221, or whatever: we are leaving
  connection_.close();
  session_ = false;
}

asio::awaitable<void> smtp_client::send(std::string_view bytes, smtp_stage stage, policy::duration timeout) {
  auto ec = co_await connection_.write(bytes, timeout);
  if (ec) throw failure{judge_io_error(stage, ec, peer_)};
}

asio::awaitable<upstream_reply> smtp_client::receive(smtp_stage stage, policy::duration timeout) {
  upstream_connection::read_result r = co_await connection_.read_reply(timeout);
  if (r.error) throw failure{judge_io_error(stage, r.error, peer_)};
  if (r.malformed) throw failure{judge_malformed_reply(stage, peer_)};
  // 421 may come at any point (RFC 5321 3.8) and always ends the session.
  if (r.reply.code == 421) throw failure{judge_reply(stage, r.reply)};
  ++progress_;
  co_return std::move(r.reply);
}

asio::awaitable<upstream_reply> smtp_client::command(std::string_view line, smtp_stage stage) {
  co_await send(line, stage, settings_.command_timeout);
  co_return co_await receive(stage, settings_.command_timeout);
}

asio::awaitable<void> smtp_client::open_session() {
  session_ = false;
  need_rset_ = false;
  transactions_ = 0;
  capabilities_ = {};
  auto ec = co_await connection_.connect(settings_.server, settings_.connect_timeout);
  set_peer();
  if (ec) throw failure{judge_io_error(smtp_stage::connect, ec, peer_)};
  ++sessions_;
  if (settings_.tls == policy::tls_mode::implicit) co_await handshake();  // RFC 8314: TLS before the greeting

  upstream_reply greeting = co_await receive(smtp_stage::greeting, settings_.command_timeout);
  if (!is_success(smtp_stage::greeting, greeting)) {
    delivery_verdict v = judge_reply(smtp_stage::greeting, greeting);
    co_await goodbye();
    throw failure{v};
  }
  co_await hello();

  // Credentials never travel in clear: with a username, STARTTLS is required.
  const bool must_tls = settings_.require_tls || !settings_.username.empty();
  if (settings_.tls == policy::tls_mode::starttls && capabilities_.starttls) {
    std::string_view line = "STARTTLS\r\n";
    upstream_reply reply = co_await command(line, smtp_stage::starttls);
    if (is_success(smtp_stage::starttls, reply)) {
      co_await handshake();
      capabilities_ = {};
      co_await hello();  // RFC 3207 4.2: forget what was said in plaintext
    } else if (must_tls) {
      delivery_verdict v = judge_reply(smtp_stage::starttls, reply);
      co_await goodbye();
      throw failure{v};
    }
    // Otherwise (454 and the like): opportunistic TLS, carry on in plaintext.
  } else if (must_tls && !connection_.tls_active()) {
    delivery_verdict v = settings_.require_tls ? judge_tls_not_offered(peer_)
                                               : judge_auth_impossible("no TLS to send the credentials over", peer_);
    co_await goodbye();
    throw failure{v};
  }
  if (!settings_.username.empty()) co_await authenticate();
  session_ = true;
}

asio::awaitable<void> smtp_client::handshake() {
  const std::string& name = settings_.server_name.empty() ? settings_.server.host : settings_.server_name;
  auto tls_ec = co_await connection_.start_tls(tls_, name, settings_.command_timeout,
                                               settings_.verify_certificate);
  if (!tls_ec) co_return;
  std::string why = settings_.verify_certificate ? connection_.verify_error() : std::string();
  if (!why.empty()) throw failure{judge_certificate(why, peer_)};
  throw failure{judge_io_error(smtp_stage::tls_handshake, tls_ec, peer_)};
}

// RFC 4954. PLAIN (RFC 4616) when offered, else LOGIN. Anything but 235 ends the
// session with a deferral that names the user (never the password): an operator
// fixes credentials; the queue must not bounce over them.
asio::awaitable<void> smtp_client::authenticate() {
  if (!connection_.tls_active()) throw failure{judge_auth_impossible("no TLS to send the credentials over", peer_)};
  const std::string& user = settings_.username;
  upstream_reply reply;
  if (capabilities_.auth_plain) {
    std::string token;
    token += '\0';
    token += user;
    token += '\0';
    token += settings_.password;
    std::string line = "AUTH PLAIN " + base64_encode(token) + "\r\n";
    reply = co_await command(line, smtp_stage::auth);
  } else if (capabilities_.auth_login) {
    std::string_view start = "AUTH LOGIN\r\n";
    reply = co_await command(start, smtp_stage::auth);
    if (reply.code == 334) {
      std::string line = base64_encode(user) + "\r\n";
      reply = co_await command(line, smtp_stage::auth);
    }
    if (reply.code == 334) {
      std::string line = base64_encode(settings_.password) + "\r\n";
      reply = co_await command(line, smtp_stage::auth);
    }
  } else {
    delivery_verdict v = judge_auth_impossible("it offers no AUTH mechanism we speak (PLAIN, LOGIN)", peer_);
    co_await goodbye();
    throw failure{v};
  }
  if (reply.code == 235) co_return;
  delivery_verdict v = judge_auth_refused(reply, user, peer_);
  co_await goodbye();
  throw failure{v};
}

asio::awaitable<void> smtp_client::hello() {
  std::string line = "EHLO " + settings_.helo_name + "\r\n";
  upstream_reply reply = co_await command(line, smtp_stage::helo);
  if (is_success(smtp_stage::helo, reply)) {
    capabilities_ = parse_ehlo(reply);
    co_return;
  }
  if (reply.reply_class() == 5) {  // no ESMTP: RFC 5321 3.2
    line = "HELO " + settings_.helo_name + "\r\n";
    reply = co_await command(line, smtp_stage::helo);
    if (is_success(smtp_stage::helo, reply)) {
      capabilities_ = {};
      co_return;
    }
  }
  throw failure{judge_reply(smtp_stage::helo, reply)};
}

asio::awaitable<void> smtp_client::reset() {
  std::string_view line = "RSET\r\n";
  upstream_reply reply = co_await command(line, smtp_stage::rset);
  if (!is_success(smtp_stage::rset, reply)) {
    // A server that refuses RSET cannot be trusted with the next transaction.
    delivery_verdict v = judge_reply(smtp_stage::rset, reply);
    v.drop_session = true;
    throw failure{v};
  }
  need_rset_ = false;
}

std::string smtp_client::mail_command(const outgoing_message& m) const {
  std::string line = "MAIL FROM:<" + m.return_path + ">";
  if (capabilities_.size) line += " SIZE=" + std::to_string(m.content.size());
  if (capabilities_.eight_bit_mime && has_8bit(m.content)) line += " BODY=8BITMIME";
  if (capabilities_.smtputf8 && needs_smtputf8(m)) line += " SMTPUTF8";
  line += "\r\n";
  return line;
}

asio::awaitable<void> smtp_client::transact(const outgoing_message& m, transaction_result& result) {
  // What must not be sent at all; nothing goes on the wire, the session stays clean.
  if (!fits_command_line(m.return_path)) {
    settle_undecided(result, judge_bad_address(true));
    co_return;
  }
  for (auto& o : result.recipients)
    if (undecided(o) && !fits_command_line(o.address)) o.verdict = judge_bad_address(false);
  if (needs_smtputf8(m) && !capabilities_.smtputf8) {
    settle_undecided(result, judge_smtputf8_not_offered(peer_));
    co_return;
  }
  if (capabilities_.size_limit > 0 && m.content.size() > capabilities_.size_limit) {
    settle_undecided(result, judge_too_big(m.content.size(), capabilities_.size_limit, peer_));
    co_return;
  }
  std::vector<std::size_t> to_send;  // recipients that go on the wire
  for (std::size_t i = 0; i < result.recipients.size(); ++i)
    if (undecided(result.recipients[i])) to_send.push_back(i);
  if (to_send.empty()) co_return;

  need_rset_ = true;  // until the server says 2xx to "."
  std::string mail = mail_command(m);
  std::vector<std::string> rcpt_lines;
  for (std::size_t i : to_send) rcpt_lines.push_back("RCPT TO:<" + result.recipients[i].address + ">\r\n");
  std::string_view data_line = "DATA\r\n";

  // Each reply: success, or a verdict for those it concerns; a verdict that ends
  // the session (421 is thrown by receive(); protocol errors here) ends it for all.
  std::vector<std::size_t> accepted;
  bool mail_ok = false;
  upstream_reply data_reply;
  if (capabilities_.pipelining) {
    // RFC 2920: MAIL, every RCPT and DATA in one write; the replies come in order.
    std::string batch = mail;
    for (const auto& line : rcpt_lines) batch += line;
    batch += data_line;
    co_await send(batch, smtp_stage::mail, settings_.command_timeout);
    upstream_reply reply = co_await receive(smtp_stage::mail, settings_.command_timeout);
    mail_ok = is_success(smtp_stage::mail, reply);
    if (!mail_ok) {
      delivery_verdict v = judge_reply(smtp_stage::mail, reply);
      if (v.drop_session) throw failure{v};
      settle_undecided(result, v);
    }
    for (std::size_t i : to_send) {
      reply = co_await receive(smtp_stage::rcpt, settings_.command_timeout);
      if (!mail_ok) continue;  // 503s, most likely
      if (is_success(smtp_stage::rcpt, reply)) {
        accepted.push_back(i);
        continue;
      }
      delivery_verdict v = judge_reply(smtp_stage::rcpt, reply);
      if (v.drop_session) throw failure{v};
      result.recipients[i].verdict = v;
    }
    data_reply = co_await receive(smtp_stage::data, settings_.command_timeout);
  } else {
    upstream_reply reply = co_await command(mail, smtp_stage::mail);
    if (!is_success(smtp_stage::mail, reply)) {
      delivery_verdict v = judge_reply(smtp_stage::mail, reply);
      if (v.drop_session) throw failure{v};
      settle_undecided(result, v);
      co_return;
    }
    for (std::size_t k = 0; k < to_send.size(); ++k) {
      reply = co_await command(rcpt_lines[k], smtp_stage::rcpt);
      if (is_success(smtp_stage::rcpt, reply)) {
        accepted.push_back(to_send[k]);
        continue;
      }
      delivery_verdict v = judge_reply(smtp_stage::rcpt, reply);
      if (v.drop_session) throw failure{v};
      result.recipients[to_send[k]].verdict = v;
    }
    if (accepted.empty()) co_return;
    data_reply = co_await command(data_line, smtp_stage::data);
  }

  if (accepted.empty()) {
    // RFC 2920 3.1: a server may answer DATA with 354 although no recipient was
    // accepted. End that empty message; the RSET before the next one discards it.
    if (data_reply.code == 354) {
      std::string_view dot = ".\r\n";
      co_await send(dot, smtp_stage::body, settings_.command_timeout);
      co_await receive(smtp_stage::end_of_data, settings_.data_timeout);
    }
    co_return;
  }
  if (!is_success(smtp_stage::data, data_reply)) {
    delivery_verdict v = judge_reply(smtp_stage::data, data_reply);
    if (v.drop_session) throw failure{v};
    for (std::size_t i : accepted) result.recipients[i].verdict = v;
    co_return;
  }

  std::string payload = dot_stuff(m.content);
  co_await send(payload, smtp_stage::body, settings_.data_timeout);
  upstream_reply final_reply = co_await receive(smtp_stage::end_of_data, settings_.data_timeout);
  delivery_verdict v = judge_reply(smtp_stage::end_of_data, final_reply);
  if (v.drop_session) throw failure{v};
  for (std::size_t i : accepted) result.recipients[i].verdict = v;
  if (v.fate == recipient_fate::delivered) need_rset_ = false;
}

}  // namespace mfrelay::relay
