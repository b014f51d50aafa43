// The SMTP server's I/O on a real socket: a listener on 127.0.0.1 with the RAM
// spool behind it. A client speaking plain SMTP over TCP gets its message
// spooled with the rewritten envelope sender and one Received header, the
// accepted hook is told, the event log says Send; a refused transaction leaves
// nothing behind; stop() closes the door to new connections, and the session
// group's stop says 421 to an idle session. A dkim = true identity's mail is spooled
// signed (the signature on top), other mail as it came.
#include "relay/server/smtp_listener.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "relay/config/config_loader.hpp"
#include "relay/spool/ram_spool.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr const char* main_toml = R"([relay]
hostname = "mx.test"
region = "us-west-2"
state_dir = "var"
policy_dir = "policy.d"

[[listener]]
name = "local"
address = "127.0.0.1:0"
tls = "none"
auth = "network"

[[user]]
name = "local-apps"
networks = ["127.0.0.0/8"]
identities = ["example.com", "signed.example"]

[events]
file = "events.jsonl"
)";

constexpr const char* policy_toml = R"([[identity]]
name = "example.com"

[[identity]]
name = "billing@example.com"
mail_from_domain = "bounce.example.com"
behavior_on_mx_failure = "RejectMessage"

[[identity]]
name = "signed.example"
dkim = true
dkim_key_type = "ed25519"
)";

void write(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// Everything a listener needs, on an io_context run by one thread.
struct server_fixture {
  server_fixture() {
    write(dir.path() / "mfrelay.toml", main_toml);
    write(dir.path() / "policy.d" / "example.toml", policy_toml);
    config_load_result loaded = load_config(dir.path() / "mfrelay.toml");
    REQUIRE(loaded.ok());
    view.set_config(std::make_shared<const policy::config>(loaded.config));
    dkim_keys.ensure("signed.example", dkim::key_type::ed25519);  // as the daemon does before listening
    services.dkim = &dkim_keys;
    services.accepted = [this](const envelope& env) {
      std::lock_guard lock(mutex);
      accepted.push_back(env.id);
    };
    listener = std::make_unique<smtp_listener>(io, loaded.config.listeners.front(), services, sessions);
    asio::co_spawn(io, listener->accept_loop(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }
  ~server_fixture() {
    asio::post(io, [this] { listener->stop(); });
    io.stop();
    thread.join();
    workers.join();
  }

  std::vector<std::string> accepted_ids() {
    std::lock_guard lock(mutex);
    return accepted;
  }
  std::string events() {
    std::ifstream in(dir.path() / "events.jsonl");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  mfrelay::test::temp_dir dir;
  live_view view;
  ram_spool spool;
  event_log log{(dir.path() / "events.jsonl").string()};
  asio::thread_pool workers{1};
  password_verifier passwords{workers.get_executor()};
  relay_metrics metrics;
  session_services services{view, spool, log, passwords, nullptr, {}, metrics, {}};
  dkim::dkim_key_store dkim_keys{dir.path()};
  std::mutex mutex;
  std::vector<std::string> accepted;
  asio::io_context io;
  session_group sessions{io.get_executor()};
  std::unique_ptr<smtp_listener> listener;
  std::thread thread;
};

// A blocking SMTP client: each send() writes a line and returns the reply (all its lines).
class client {
 public:
  explicit client(tcp::endpoint at) : socket_(io_) {
    socket_.connect(at);
    greeting = reply();
  }
  std::string send(const std::string& line) {
    asio::write(socket_, asio::buffer(line + "\r\n"));
    return reply();
  }
  std::string greeting;

  // The next reply, all its lines.
  std::string read_reply() { return reply(); }

 private:
  std::string reply() {
    std::string out;
    for (;;) {
      asio::read_until(socket_, buffer_, "\r\n");
      std::istream in(&buffer_);
      std::string line;
      std::getline(in, line);
      if (line.ends_with('\r')) line.pop_back();
      out += line + "\n";
      if (line.size() < 4 || line[3] != '-') return out;
    }
  }
  asio::io_context io_;
  tcp::socket socket_;
  asio::streambuf buffer_;
};

TEST_CASE("a message over TCP is spooled with the rewritten sender, told to delivery and logged") {
  server_fixture f;
  client c(f.listener->local_endpoint());
  CHECK(c.greeting.starts_with("220 mx.test"));
  CHECK(c.send("EHLO app.test").find("250-PIPELINING") != std::string::npos);
  CHECK(c.send("MAIL FROM:<news@example.com>").starts_with("250"));
  CHECK(c.send("RCPT TO:<reader@dest.test>").starts_with("250"));
  CHECK(c.send("DATA").starts_with("354"));
  std::string reply = c.send("From: news@example.com\r\nSubject: hi\r\n\r\nbody\r\n.");
  REQUIRE(reply.starts_with("250 2.0.0 Ok "));
  const std::string id = reply.substr(13, reply.find('\n') - 13);

  std::optional<envelope> env = f.spool.find(id);
  REQUIRE(env);
  CHECK(env->original_sender == "news@example.com");
  CHECK(env->return_path == id + "@us-west-2.amazonses.com");
  CHECK(env->recipients == std::vector<std::string>{"reader@dest.test"});
  std::string data = *f.spool.read_data(id);
  CHECK(data.starts_with("Received: from app.test"));
  CHECK(data.find("\r\nFrom: news@example.com\r\nSubject: hi\r\n\r\nbody\r\n") != std::string::npos);
  CHECK(f.accepted_ids() == std::vector<std::string>{id});
  CHECK(f.events().find(R"("eventType":"Send")") != std::string::npos);
  CHECK(c.send("QUIT").starts_with("221"));
}

TEST_CASE("mail of a dkim = true identity is spooled with its DKIM signature on top once its DKIM is in SUCCESS") {
  server_fixture f;
  client c(f.listener->local_endpoint());
  c.send("EHLO app.test");
  auto set_dkim = [&](policy::mail_from_status status) {
    auto next = std::make_shared<policy::state_snapshot>(*f.view.states());
    next->set_dkim("signed.example", {status, {}});
    f.view.set_states(std::move(next));
  };
  auto send = [&](const std::string& from) {
    CHECK(c.send("MAIL FROM:<" + from + ">").starts_with("250"));
    CHECK(c.send("RCPT TO:<reader@dest.test>").starts_with("250"));
    CHECK(c.send("DATA").starts_with("354"));
    std::string reply = c.send("From: " + from + "\r\nSubject: hi\r\n\r\nbody\r\n.");
    REQUIRE(reply.starts_with("250 2.0.0 Ok "));
    return *f.spool.read_data(reply.substr(13, reply.find('\n') - 13));
  };
  // NOT_STARTED (no state yet), PENDING, TEMPORARY_FAILURE: receivers could not check a signature. Unsigned.
  CHECK(send("news@signed.example").starts_with("Received: from app.test"));
  set_dkim(policy::mail_from_status::pending);
  CHECK(send("news@signed.example").find("DKIM-Signature") == std::string::npos);
  set_dkim(policy::mail_from_status::temporary_failure);
  CHECK(send("news@signed.example").find("DKIM-Signature") == std::string::npos);

  set_dkim(policy::mail_from_status::success);
  std::string signed_data = send("news@signed.example");
  const std::string& token = f.dkim_keys.find("signed.example")->tokens.front();
  CHECK(signed_data.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=signed.example; s=" +
                                token + ";\r\n"));
  CHECK(signed_data.find("h=from:subject:from;") != std::string::npos);
  CHECK(signed_data.find("\r\nReceived: from app.test") != std::string::npos);
  CHECK(signed_data.ends_with("\r\nFrom: news@signed.example\r\nSubject: hi\r\n\r\nbody\r\n"));

  std::string plain = send("news@example.com");
  CHECK(plain.starts_with("Received: from app.test"));
  CHECK(plain.find("DKIM-Signature") == std::string::npos);
}

TEST_CASE("a sender refused at MAIL gets the policy's reply there") {
  server_fixture f;
  client c(f.listener->local_endpoint());
  c.send("EHLO app.test");
  std::string reply = c.send("MAIL FROM:<billing@example.com>");
  CHECK(reply.starts_with("554 5.7.1"));
  CHECK(reply.find("MailFromDomainNotVerified") != std::string::npos);
}

TEST_CASE("a refused message leaves nothing in the spool and nothing for delivery") {
  server_fixture f;
  client c(f.listener->local_endpoint());
  c.send("EHLO app.test");
  CHECK(c.send("MAIL FROM:<news@example.com>").starts_with("250"));  // decided again from From
  CHECK(c.send("RCPT TO:<reader@dest.test>").starts_with("250"));
  CHECK(c.send("DATA").starts_with("354"));
  std::string reply = c.send("From: billing@example.com\r\n\r\nbody\r\n.");
  CHECK(reply.starts_with("554 5.7.1"));
  CHECK(reply.find("MailFromDomainNotVerified") != std::string::npos);
  CHECK(f.spool.stats(policy::timestamp{}).depth == 0);
  CHECK(f.accepted_ids().empty());
  CHECK(f.events().find(R"("eventType":"Reject")") != std::string::npos);
}

TEST_CASE("the group's stop: an idle session is told 421 4.3.2 and closed") {
  server_fixture f;
  client c(f.listener->local_endpoint());
  CHECK(c.send("EHLO app.test").starts_with("250"));
  asio::post(f.io, [&] { f.sessions.request_stop(); });
  CHECK(c.read_reply().starts_with("421 4.3.2 mx.test Service shutting down"));
  for (int i = 0; i < 200 && f.sessions.size() > 0; ++i) std::this_thread::sleep_for(5ms);
  CHECK(f.sessions.size() == 0);
}

TEST_CASE("stop(): no new connections") {
  server_fixture f;
  const tcp::endpoint at = f.listener->local_endpoint();
  asio::post(f.io, [&] { f.listener->stop(); });
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {  // the stop runs on the server's thread
    try {
      client c(at);
    } catch (const boost::system::system_error&) {
      refused = true;
    }
    if (!refused) std::this_thread::sleep_for(5ms);
  }
  CHECK(refused);
}

}  // namespace
}  // namespace mfrelay::relay
