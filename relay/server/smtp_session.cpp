#include "relay/server/smtp_session.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <spdlog/spdlog.h>

#include "policy/decision.hpp"
#include "policy/message_id.hpp"
#include "relay/common/clock.hpp"
#include "relay/auth/password_hash.hpp"
#include "relay/common/message_ids.hpp"
#include "relay/dkim/dkim_signer.hpp"
#include "relay/dkim/message_tap.hpp"
#include "relay/events/mail_events.hpp"
#include "relay/server/smtp_connection.hpp"
#include "relay/smtp/proxy_header.hpp"
#include "relay/smtp/received_header.hpp"
#include "relay/smtp/reply_renderer.hpp"
#include "relay/smtp/session_machine.hpp"
#include "relay/smtp/standard_replies.hpp"
#include "relay/spool/spool_error.hpp"

namespace mfrelay::relay {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using policy::smtp_reply;
using smtp::session_action;

constexpr std::chrono::seconds write_timeout{60};
constexpr std::chrono::seconds tls_timeout{30};
// A balancer sends its PROXY header at once; a client that trickles one is cut.
constexpr std::chrono::seconds proxy_header_timeout{10};

smtp_reply too_many_sessions() { return {421, "4.7.0", "Too many concurrent SMTP connections"}; }
smtp_reply no_space() { return {452, "4.3.1", "Insufficient system storage"}; }
smtp_reply service_failure() { return {451, "4.3.0", "Temporary service failure"}; }
// SES's texts (SES-FACTS.md), with the enhanced code of RFC 3463's 4.7.0.
smtp_reply rate_exceeded() { return {454, "4.7.0", "Throttling failure: Maximum sending rate exceeded"}; }
smtp_reply daily_quota_exceeded() { return {454, "4.7.0", "Throttling failure: Daily message quota exceeded"}; }
smtp_reply user_gone() { return {554, "5.7.1", "Access denied: the user is no longer configured"}; }

std::vector<std::string> address_texts(const std::vector<policy::email_address>& list) {
  std::vector<std::string> out;
  for (const auto& a : list) out.push_back(a.str());
  return out;
}

// The hash a user name without a password is checked against (as a dummy of the
// same cost): the costliest configured one, so that an unknown name never
// answers faster than a real one.
std::string costliest_hash(const policy::config& cfg) {
  const std::string* costliest = nullptr;
  unsigned most = 0;
  for (const auto& u : cfg.users) {
    unsigned iterations = password_hash_iterations(u.password_hash);
    if (iterations > most) {
      most = iterations;
      costliest = &u.password_hash;
    }
  }
  return costliest ? *costliest : std::string();
}

// Keeps the active-session count honest on every path out of a session.
struct session_slot {
  explicit session_slot(session_counters& c) : counters(c) {
    counters.active.fetch_add(1);
    counters.total.fetch_add(1);
  }
  ~session_slot() { counters.active.fetch_sub(1); }
  session_counters& counters;
};

class session final : public smtp::session_hooks {
 public:
  session(asio::ip::tcp::socket socket, policy::listener_settings listener, session_services& services,
          std::shared_ptr<session_control> control)
      : client_ip_(client_address(socket)),
        conn_(std::move(socket)),
        listener_(std::move(listener)),
        svc_(services),
        control_(std::move(control)) {
    info_.id = new_session_id();
    info_.client_ip = client_ip_;
    info_.listener = listener_.name;
  }

  awaitable<void> run() {
    session_slot slot(svc_.counters);
    control_->attach([this] { wake(); }, [this] { cut(); });
    struct detach_on_exit {
      session_control& c;
      ~detach_on_exit() { c.detach(); }
    } detach{*control_};
    // Before any byte is written or read as SMTP (or TLS): the balancer's header.
    if (listener_.proxy_protocol && !co_await read_proxy_header()) {
      conn_.cut();
      co_return;
    }
    auto cfg = svc_.view.config();
    if (svc_.counters.active.load() > cfg->limits.max_sessions) {
      co_await conn_.write(smtp::render_reply(too_many_sessions(), false), write_timeout);
      co_await conn_.close();
      co_return;
    }
    if (listener_.tls == policy::tls_mode::implicit) {
      if (!svc_.tls || !co_await conn_.start_tls(*svc_.tls, tls_timeout)) {
        co_await conn_.close();
        co_return;
      }
      info_.tls = conn_.tls_version();
    }
    machine_.emplace(session_config(*cfg), *this);
    idle_timeout_ = cfg->limits.idle_timeout;
    data_timeout_ = cfg->limits.data_timeout;
    if (stopping()) co_return co_await shut_down();  // a 421 instead of the greeting (RFC 5321 3.1)
    if (!co_await handle(machine_->greeting())) co_return;
    command_deadline_ = std::chrono::steady_clock::now() + idle_timeout_;
    for (;;) {
      while (!in_.empty()) {
        // The server is stopping: the command in hand was answered; the next one gets 421.
        if (stopping()) co_return co_await shut_down();
        smtp::session_output out = machine_->on_input(in_);
        std::size_t consumed = out.consumed;
        // A command answered or acted on: the client has idle_timeout for the next one.
        bool answered = !out.replies.empty() || out.action != session_action::none;
        in_.erase(0, consumed);
        if (!co_await handle(std::move(out))) co_return;
        if (answered) command_deadline_ = std::chrono::steady_clock::now() + idle_timeout_;
        if (consumed == 0) break;
      }
      if (!co_await flush()) co_return;
      if (stopping()) co_return co_await shut_down();
      bool timed_out = false;
      // idle_timeout bounds the wait for each whole command, data_timeout the whole
      // DATA transfer (README): deadlines, not per-read timeouts, so a client
      // trickling octets (slowloris) cannot stretch either.
      auto deadline = writer_ ? data_deadline_ : command_deadline_;
      auto timeout = std::max(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()),
          std::chrono::milliseconds(1));
      // Small reads while commands trickle in keep an idle session at a few KiB;
      // DATA reads in large chunks.
      std::size_t chunk = writer_ ? 64 * 1024 : 4 * 1024;
      if (!writer_ && in_.empty() && in_.capacity() > 16 * 1024) in_.shrink_to_fit();
      waiting_for_command_ = !in_data_;  // wake() may end this read; a DATA read goes on
      std::size_t got = co_await conn_.read_some(in_, chunk, timeout, timed_out);
      waiting_for_command_ = false;
      if (got == 0) {
        if (cut_) {
          if (writer_) writer_->abort();  // never acknowledged, so never kept
          co_return;
        }
        if (stopping()) co_return co_await shut_down();
        if (timed_out) {
          out_ += machine_->on_timeout().replies;
          co_await flush();
        }
        co_await conn_.close();
        co_return;
      }
    }
  }

  // Early policy decision at MAIL: the envelope sender stands in for From.
  std::optional<smtp_reply> check_sender(const std::optional<policy::email_address>& sender,
                                         std::string_view user_name) override {
    auto cfg = svc_.view.config();
    auto states = svc_.view.states();
    info_.auth_user = std::string(user_name);
    const policy::user* user = policy::find_user(cfg->users, user_name);
    mail_info mail{now(), "", sender ? sender->str() : "", {}, "", "", "", ""};
    if (!user) {
      rejected(reject_event(mail, nullptr, user_gone(), "NotAuthorized", info_), "NotAuthorized");
      return user_gone();
    }
    std::string default_domain = cfg->default_mail_from_domain();
    policy::decision d =
        policy::decide({std::nullopt, sender, user, false}, {cfg->identities, *states, cfg->relay.region, default_domain});
    svc_.metrics.decisions.add({std::string(to_string(d.kind)), "mail"});
    if (d.accepted()) return std::nullopt;
    rejected(reject_event(mail, &d, d.reply, to_string(d.reason), info_), to_string(d.reason));
    return d.reply;
  }

  // Feedback listeners only: RCPT <message-id>@<MAIL FROM domain> of a message we remember.
  std::optional<smtp_reply> check_recipient(const policy::email_address& recipient) override {
    if (svc_.feedback) return svc_.feedback->check_recipient(recipient, *svc_.view.config());
    return smtp_reply{550, "5.1.1", "<" + recipient.str() + ">: Recipient address rejected"};
  }

 private:
  bool feedback() const { return listener_.role == policy::listener_role::feedback; }

  // Every refusal of a transaction: one Reject event, one count.
  void rejected(const boost::json::object& event, std::string_view reason) {
    svc_.events.write(event);
    svc_.metrics.transactions.add({"rejected", std::string(reason)});
  }

  // The server stops once this session is between commands.
  bool stopping() const { return control_->stop_requested() && !in_data_; }

  // On the strand, when the server starts to stop: a session waiting for its next
  // command stops waiting; any other finishes what it is doing first.
  void wake() {
    if (waiting_for_command_) conn_.interrupt_read();
  }

  // On the strand, when the drain timeout has passed: the connection is closed under
  // whatever is running; a message in DATA is never acknowledged (its writer aborts).
  void cut() {
    spdlog::warn("session {}: cut at the drain timeout{}", info_.id, in_data_ ? " in the middle of DATA" : "");
    cut_ = true;
    conn_.cut();
    if (delay_timer_) delay_timer_->cancel();
  }

  awaitable<void> shut_down() {
    co_await handle(machine_->on_shutdown());  // writes the 421, then closes
  }

  // [[listener]] proxy_protocol: the load balancer's PROXY header names the
  // client. Only a balancer in proxy_networks may send one, and from there it
  // must come first and whole within proxy_header_timeout; anything else is
  // closed unanswered (the header is never read past, so an implicit-TLS
  // handshake finds its ClientHello untouched).
  awaitable<bool> read_proxy_header() {
    const std::string balancer = client_ip_;
    auto peer = policy::parse_ip_address(balancer);
    const auto& allowed = listener_.proxy_networks;
    if (!peer || std::none_of(allowed.begin(), allowed.end(), [&](const auto& n) { return n.contains(*peer); })) {
      spdlog::warn("listener '{}': connection from {} closed: not in proxy_networks", listener_.name, balancer);
      co_return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + proxy_header_timeout;
    for (;;) {
      smtp::proxy_header h = smtp::parse_proxy_header(in_);
      if (h.status == smtp::proxy_parse_status::complete) {
        in_.erase(0, h.length);
        if (!h.local) client_ip_ = info_.client_ip = h.source_address;
        co_return true;
      }
      if (h.status == smtp::proxy_parse_status::invalid) {
        spdlog::warn("listener '{}': connection from {} closed: {}", listener_.name, balancer, h.error);
        co_return false;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      bool timed_out = false;
      if (left.count() <= 0 || co_await conn_.read_some(in_, h.more, left, timed_out) == 0) {
        spdlog::warn("listener '{}': connection from {} closed: no whole PROXY header{}", listener_.name, balancer,
                     timed_out || left.count() <= 0 ? " in time" : "");
        co_return false;
      }
    }
  }

  static std::string client_address(const asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "";
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
      return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
  }

  smtp::session_config session_config(const policy::config& cfg) const {
    smtp::session_config c;
    c.hostname = cfg.relay.hostname;
    c.tls = listener_.tls;
    c.auth = listener_.auth;
    c.feedback = feedback();
    c.tls_active = conn_.tls();
    if (listener_.auth == policy::auth_mode::network) {
      if (auto ip = policy::parse_ip_address(client_ip_)) {
        if (const policy::user* u = policy::user_for_address(cfg.users, *ip)) c.network_user = u->name;
      }
    }
    c.max_message_bytes = cfg.limits.max_message_bytes;
    c.max_recipients = cfg.limits.max_recipients;
    c.max_errors = cfg.limits.max_errors;
    c.max_auth_failures = cfg.limits.max_auth_failures;
    c.bare_newline = cfg.limits.bare_newline;
    return c;
  }

  awaitable<bool> flush() {
    if (out_.empty()) co_return true;
    std::string bytes = std::move(out_);
    out_.clear();
    co_return co_await conn_.write(bytes, write_timeout);
  }

  // Carries out what the machine asked for; false once the session is over.
  awaitable<bool> handle(smtp::session_output out) {
    if (!out.data.empty()) append(out.data);
    if (out.delay.count() > 0) {
      if (!co_await flush()) co_return false;
      asio::steady_timer timer(co_await asio::this_coro::executor, out.delay);
      delay_timer_ = &timer;
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      delay_timer_ = nullptr;
      if (cut_) co_return false;
    }
    out_ += out.replies;
    if (out.flush && !co_await flush()) co_return false;
    switch (out.action) {
      case session_action::none:
        co_return true;
      case session_action::close:
        co_await flush();
        co_await conn_.close();
        co_return false;
      case session_action::start_tls:
        if (!co_await flush()) co_return false;
        in_.clear();  // plaintext sent before the handshake must never count as TLS input
        if (!svc_.tls || !co_await conn_.start_tls(*svc_.tls, tls_timeout)) {
          co_await conn_.close();
          co_return false;
        }
        info_.tls = conn_.tls_version();
        info_.auth_user.clear();
        co_return co_await handle(machine_->on_tls_started());
      case session_action::verify_password: {
        auto started = std::chrono::steady_clock::now();
        smtp::session_output next = machine_->on_auth_result(co_await verify(std::move(*out.credentials)));
        // A failure is answered auth_failure_delay after the AUTH command, not after the
        // check: the time the check took (a real hash or the dummy) never shows.
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        next.delay = std::max(next.delay - spent, std::chrono::milliseconds(0));
        co_return co_await handle(std::move(next));
      }
      case session_action::begin_data:
        in_data_ = true;
        data_deadline_ = std::chrono::steady_clock::now() + data_timeout_;
        if (!co_await flush()) co_return false;
        begin_message(*out.message);
        co_return true;
      case session_action::message_complete:
        in_data_ = false;
        co_return co_await handle(machine_->on_message_result(co_await complete(std::move(*out.message))));
    }
    co_return true;
  }

  awaitable<smtp::session_machine::auth_result> verify(smtp::auth_credentials credentials) {
    auto cfg = svc_.view.config();
    const policy::user* user = policy::find_user(cfg->users, credentials.user);
    bool ok = false;
    // A name without a password costs the same PBKDF2 work as a wrong password:
    // the time to the 535 must not tell which names exist.
    if (user && !user->password_hash.empty())
      ok = co_await svc_.passwords.verify(credentials.user, std::move(credentials.password), user->password_hash);
    else
      co_await svc_.passwords.verify_unknown(std::move(credentials.password), costliest_hash(*cfg));
    if (ok) {
      info_.auth_user = credentials.user;
      co_return smtp::session_machine::auth_result::ok;
    }
    svc_.events.write(auth_failure_event(now(), credentials.user, user ? "invalid password" : "unknown user", info_));
    svc_.metrics.auth_failures.add({});
    co_return smtp::session_machine::auth_result::invalid;
  }

  void begin_message(const smtp::message_envelope& envelope) {
    if (feedback()) {
      // A report is small and never delivered anywhere: it stays in memory
      // (bounded by max_message_bytes, as the decoder is) and is parsed at the end.
      feedback_body_.clear();
      feedback_cap_ = svc_.view.config()->limits.max_message_bytes;
      return;
    }
    message_id_ = new_message_id();
    store_error_.reset();
    // Watched for signing only when some identity signs: the From header that
    // decides is known only once the message is whole.
    tap_.reset();
    if (svc_.dkim && svc_.view.config()->identities.any_dkim()) tap_.emplace(smtp::header_scanner::default_limit);
    try {
      writer_ = svc_.spool.begin(message_id_);
      std::string date = rfc5322_date(now());
      writer_->append(smtp::received_header({envelope.helo, client_ip_, svc_.view.config()->relay.hostname,
                                             envelope.protocol, message_id_, &envelope.recipients, date}));
    } catch (const spool_error& e) {
      store_failed(e);
    }
  }

  void append(std::string_view data) {
    if (feedback()) {
      if (feedback_body_.size() < feedback_cap_)
        feedback_body_.append(data.substr(0, std::min<std::size_t>(data.size(), feedback_cap_ - feedback_body_.size())));
      return;
    }
    if (!writer_ || store_error_) return;
    if (tap_) tap_->feed(data);
    try {
      writer_->append(data);
    } catch (const spool_error& e) {
      store_failed(e);
    }
  }

  void store_failed(const spool_error& e) {
    spdlog::error("session {}: spool: {}", info_.id, e.what());
    store_error_ = e.kind == spool_error::no_space ? no_space() : service_failure();
    if (writer_) writer_->abort();
  }

  mail_info mail_of(const smtp::message_envelope& e) const {
    return {now(), message_id_, e.sender ? e.sender->str() : "", address_texts(e.recipients),
            e.headers.from_fields ? e.from.value_or(policy::email_address{}).str() : "", e.headers.to,
            e.headers.subject, e.headers.message_id};
  }

  // The final decision (From header now known), then durable storage, then 250.
  awaitable<smtp_reply> complete(smtp::message_envelope envelope) {
    if (feedback()) co_return co_await complete_feedback(envelope);
    std::optional<message_writer> writer = std::move(writer_);
    writer_.reset();
    mail_info mail = mail_of(envelope);
    if (envelope.rejection) {
      if (writer) writer->abort();
      rejected(reject_event(mail, nullptr, *envelope.rejection, "BadMessage", info_), "BadMessage");
      co_return *envelope.rejection;
    }
    if (store_error_ || !writer || !writer->active()) {
      svc_.metrics.transactions.add({"failed", "Spool"});
      co_return store_error_.value_or(service_failure());
    }
    auto cfg = svc_.view.config();
    auto states = svc_.view.states();
    const policy::user* user = policy::find_user(cfg->users, envelope.user);
    if (!user) {
      writer->abort();
      rejected(reject_event(mail, nullptr, user_gone(), "NotAuthorized", info_), "NotAuthorized");
      co_return user_gone();
    }
    std::string default_domain = cfg->default_mail_from_domain();
    policy::decision d = policy::decide({envelope.from, envelope.sender, user, false},
                                        {cfg->identities, *states, cfg->relay.region, default_domain});
    svc_.metrics.decisions.add({std::string(to_string(d.kind)), "data"});
    if (!d.accepted()) {
      writer->abort();
      rejected(reject_event(mail, &d, d.reply, to_string(d.reason), info_), to_string(d.reason));
      co_return d.reply;
    }
    // The quota is asked at the end of DATA, as SES's SMTP interface answers
    // its 454s there: only then is the message (and its recipient count) whole,
    // and a message the policy refuses must not spend the quota.
    const auto recipients = static_cast<std::uint32_t>(envelope.recipients.size());
    if (svc_.quota) {
      quota_verdict q = svc_.quota->acquire(recipients, std::chrono::steady_clock::now(), mail.timestamp);
      if (q != quota_verdict::ok) {
        writer->abort();
        svc_.metrics.transactions.add({"failed", "Throttled"});
        spdlog::info("session {}: {}: {} recipients", info_.id,
                     q == quota_verdict::rate_exceeded ? "maximum send rate exceeded" : "daily quota exceeded",
                     recipients);
        co_return q == quota_verdict::rate_exceeded ? rate_exceeded() : daily_quota_exceeded();
      }
    }
    envelope_record(envelope, mail, d);
    try {
      sign(envelope, *cfg, *states, *writer);
      co_await svc_.spool.commit(std::move(*writer), spooled_);
    } catch (const spool_error& e) {
      if (svc_.quota) svc_.quota->refund(recipients, mail.timestamp);
      store_failed(e);
      svc_.metrics.transactions.add({"failed", "Spool"});
      co_return *store_error_;
    }
    svc_.metrics.transactions.add({"accepted", ""});
    svc_.events.write(send_event(mail, d, spooled_.return_path, info_));
    if (svc_.accepted) svc_.accepted(spooled_);
    if (svc_.sent_index) remember(envelope, d);
    co_return smtp::replies::accepted(message_id_);
  }

  // Easy DKIM: the domain identity governing the From domain signs, with d= its
  // name and its first token as the selector, once its DKIM records are
  // verified (SUCCESS in the snapshot this transaction decided with): before
  // that, receivers could not find the key and the signature would only fail.
  // On top of the message, so the spool holds what leaves. A signature already there stays (a second one is
  // added). A message that cannot be signed goes out unsigned, with a warning:
  // DKIM is for the receiver's verdict, never a reason to refuse mail.
  void sign(const smtp::message_envelope& envelope, const policy::config& cfg, const policy::state_snapshot& states,
            message_writer& writer) {
    std::optional<dkim::message_tap> tap = std::move(tap_);  // its header block goes with this message
    tap_.reset();
    if (!tap || !envelope.from) return;
    const policy::email_address& from = *envelope.from;
    const policy::identity* id = cfg.identities.match_domain(from.ascii_domain.empty() ? from.domain : from.ascii_domain);
    if (!id || !id->dkim) return;
    const auto dkim = states.dkim_state(id->name);
    if (!dkim || dkim->status != policy::mail_from_status::success) return;  // NOT_STARTED, PENDING, ...: unsigned
    auto keys = svc_.dkim->find(id->name);
    if (!keys) {
      spdlog::warn("session {}: message {} not DKIM-signed: identity {} has no keys (see the startup log)", info_.id,
                   message_id_, id->name);
      return;
    }
    if (tap->overflowed()) {
      spdlog::warn("session {}: message {} not DKIM-signed: its header is longer than {} octets", info_.id,
                   message_id_, smtp::header_scanner::default_limit);
      return;
    }
    auto body_hash = tap->finish();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
    std::string field;
    try {
      field = dkim::dkim_signature(tap->header_block(), body_hash, {id->name, keys->selector(), seconds, &keys->key});
    } catch (const std::runtime_error& e) {
      spdlog::error("session {}: message {} not DKIM-signed: {}", info_.id, message_id_, e.what());
    }
    if (!field.empty()) writer.prepend(field);  // a spool_error is the commit's to answer
  }

  // Queued only (the index writes in batches on its own thread): the 250 waits for nothing.
  void remember(const smtp::message_envelope& e, const policy::decision& d) {
    sent_message m;
    m.message_id = message_id_;
    if (d.matched) m.identity = d.matched->name;
    m.mail_from_domain = d.mail_from_domain;
    m.source = spooled_.original_sender;
    if (e.headers.from_fields && e.from) m.from = e.from->str();
    m.recipients = spooled_.recipients;
    m.sent_at = spooled_.received_at;
    m.metadata = spooled_.metadata;
    svc_.sent_index->remember(std::move(m));
  }

  // A report on the feedback listener: parsed in memory, never spooled.
  // The 250 comes once the events are written and any forward is on disk.
  awaitable<smtp_reply> complete_feedback(const smtp::message_envelope& envelope) {
    std::string body = std::move(feedback_body_);
    feedback_body_.clear();
    if (envelope.rejection) co_return *envelope.rejection;
    if (svc_.feedback) co_await svc_.feedback->receive(std::move(body), envelope.recipients, info_, svc_.view.config());
    co_return smtp_reply{250, "2.0.0", "Ok"};
  }

  void envelope_record(const smtp::message_envelope& e, const mail_info& mail, const policy::decision& d) {
    spooled_ = {};
    spooled_.id = message_id_;
    spooled_.original_sender = e.sender ? e.sender->str() : "";
    spooled_.return_path = policy::return_path(message_id_, d.mail_from_domain);
    spooled_.recipients = address_texts(e.recipients);
    spooled_.received_at = mail.timestamp;
    // Delivery events repeat the mail, policy and session objects of the Send event.
    spooled_.metadata = boost::json::serialize(boost::json::object{
        {"mail", mail_json(mail)}, {"policy", policy_json(d, spooled_.return_path)}, {"session", session_json(info_)}});
  }

  std::string client_ip_;
  smtp_connection conn_;
  policy::listener_settings listener_;
  session_services& svc_;
  std::shared_ptr<session_control> control_;
  bool waiting_for_command_ = false;  // a read for the next command is under way
  bool in_data_ = false;              // from the 354 to the final reply of DATA
  bool cut_ = false;
  asio::steady_timer* delay_timer_ = nullptr;  // of a delayed reply under way
  session_info info_;
  std::optional<smtp::session_machine> machine_;
  std::chrono::milliseconds idle_timeout_{300'000};
  std::chrono::milliseconds data_timeout_{600'000};
  std::chrono::steady_clock::time_point data_deadline_;     // of the DATA transfer under way
  std::chrono::steady_clock::time_point command_deadline_;  // for the next whole command line
  std::string in_;   // input not yet given to the machine
  std::string out_;  // replies not yet written
  std::string message_id_;
  std::optional<message_writer> writer_;
  std::optional<dkim::message_tap> tap_;  // the message for its DKIM signature
  std::optional<smtp_reply> store_error_;
  envelope spooled_;
  std::string feedback_body_;       // the report in DATA (feedback listeners)
  std::uint64_t feedback_cap_ = 0;  // max_message_bytes when DATA began
};

}  // namespace

void session_control::request_stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stop_requested_ = true;
    if (self->wake_) self->wake_();
  });
}

void session_control::cut() {
  asio::post(strand_, [self = shared_from_this()] {
    self->cut_requested_ = true;
    if (self->cut_) self->cut_();
  });
}

void session_control::attach(std::function<void()> wake, std::function<void()> cut) {
  wake_ = std::move(wake);
  cut_ = std::move(cut);
  if (cut_requested_) cut_();
}

void session_control::detach() {
  wake_ = nullptr;
  cut_ = nullptr;
}

awaitable<void> run_smtp_session(asio::ip::tcp::socket socket, policy::listener_settings listener,
                                 session_services& services, std::shared_ptr<session_control> control) {
  session s(std::move(socket), std::move(listener), services, std::move(control));
  co_await s.run();
}

}  // namespace mfrelay::relay
