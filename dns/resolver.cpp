#include "dns/resolver.hpp"

#include <ares.h>
#include <arpa/nameser.h>

#include <cassert>
#include <chrono>
#include <climits>
#include <map>
#include <mutex>
#include <span>
#include <stdexcept>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dns/query_op.hpp"

namespace mfrelay::dns {
namespace asio = boost::asio;

namespace {

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (int status = ares_library_init(ARES_LIB_INIT_ALL); status != ARES_SUCCESS)
      throw std::runtime_error(std::string("c-ares library init: ") + ares_strerror(status));
  });
}

// The fd-watch for one c-ares socket. c-ares owns the fd: the descriptor is only ever
// released, never closed. `closed` outlives the registration so a wait that completes
// after c-ares dropped the fd (or reused its number) does not reach c-ares.
struct socket_watch {
  using strand_type = asio::strand<asio::any_io_executor>;
  socket_watch(const strand_type& strand, ares_socket_t s) : descriptor(strand), fd(s) {}
  ~socket_watch() { close(); }
  socket_watch(const socket_watch&) = delete;
  socket_watch& operator=(const socket_watch&) = delete;

  void close() {
    closed = true;
    if (descriptor.is_open()) descriptor.release();  // deregisters and cancels the waits
  }

  // Typed on the strand, so waits complete there. (Converting the strand to an
  // any_io_executor also trips a GCC 12 -Wnull-dereference false positive in Asio.)
  asio::posix::basic_stream_descriptor<strand_type> descriptor;
  ares_socket_t fd;
  bool want_read = false, want_write = false;  // what c-ares last asked for
  bool reading = false, writing = false;       // a wait is outstanding
  bool closed = false;
};

// Whether the c-ares running here is known to give every try at least the
// configured timeout: 1.18, Debian 12's, whose retry rules keep_timer_due was
// checked against. Later ones changed them (since 2024 each server's timeout
// follows its latency, floor 250 ms); the shortcut would then hold retries late.
bool fixed_try_timeouts() {
  int version = 0;
  ares_version(&version);
  return version < 0x011300;
}

}  // namespace

struct resolver::core : std::enable_shared_from_this<core> {
  using strand_type = socket_watch::strand_type;

  core(asio::any_io_executor ex, const resolver_options& options)
      : strand(asio::make_strand(ex)),
        timer(strand),
        first_try(fixed_try_timeouts() ? std::max(options.timeout, policy::duration::zero()) : policy::duration::zero()) {
    init_library_once();
    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS;
    // Without NOCHECKRESP, c-ares 1.18 swallows SERVFAIL and REFUSED answers, tries the
    // next server, and in the end reports ECONNREFUSED: the closed set could never say
    // servfail or refused. The price: such an answer is not retried at another server
    // within this lookup (the verifier retries on its retry interval). Answers must
    // still match the query's id and question.
    opts.flags = ARES_FLAG_NOCHECKRESP;
    opts.sock_state_cb = &core::on_socket_state;
    opts.sock_state_cb_data = this;
    if (options.timeout.count() > 0) {
      opts.timeout = static_cast<int>(std::min<policy::duration::rep>(options.timeout.count(), INT_MAX));
      mask |= ARES_OPT_TIMEOUTMS;
    }
    if (options.tries > 0) {
      opts.tries = static_cast<int>(std::min<unsigned>(options.tries, 16));
      mask |= ARES_OPT_TRIES;
    }
    if (int status = ares_init_options(&channel, &opts, mask); status != ARES_SUCCESS)
      throw std::runtime_error(std::string("c-ares init: ") + ares_strerror(status));
    if (!options.servers.empty()) {
      std::string csv;
      for (const auto& server : options.servers) csv += (csv.empty() ? "" : ",") + server.str();
      if (int status = ares_set_servers_ports_csv(channel, csv.c_str()); status != ARES_SUCCESS) {
        ares_destroy(std::exchange(channel, nullptr));
        throw std::invalid_argument("DNS servers \"" + csv + "\": " + ares_strerror(status));
      }
    }
  }

  ~core() { shutdown(); }
  core(const core&) = delete;
  core& operator=(const core&) = delete;

  // Starts one lookup; the completion goes back to the awaiting coroutine's executor.
  template <class Answer>
  static asio::awaitable<Answer> lookup(std::shared_ptr<core> self, std::string name, int type,
                                        Answer (*parse)(std::span<const unsigned char>)) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Answer)>(
        [](auto handler, std::shared_ptr<core> c, std::string n, int t, auto p) {
          std::unique_ptr<pending_query> op =
              std::make_unique<query_op<Answer, decltype(handler)>>(std::move(handler), p, c->strand.get_inner_executor());
          auto strand = c->strand;
          asio::dispatch(strand, [c = std::move(c), n = std::move(n), t, op = std::move(op)]() mutable {
            c->start_query(n, t, std::move(op));
          });
        },
        asio::use_awaitable, std::move(self), std::move(name), type, parse);
  }

  static asio::awaitable<std::pair<policy::mx_answer, policy::txt_answer>> mx_and_txt(std::shared_ptr<core> self,
                                                                                     std::string name) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(std::pair<policy::mx_answer, policy::txt_answer>)>(
        [](auto handler, std::shared_ptr<core> c, std::string n) {
          using op_type = mx_txt_op<decltype(handler)>;
          auto op = std::make_shared<op_type>(std::move(handler), c->strand.get_inner_executor());
          std::unique_ptr<pending_query> mx =
              std::make_unique<half_op<policy::mx_answer, op_type>>(op, &op_type::mx, &parse_mx_answer);
          std::unique_ptr<pending_query> txt =
              std::make_unique<half_op<policy::txt_answer, op_type>>(std::move(op), &op_type::txt, &parse_txt_answer);
          auto strand = c->strand;
          asio::dispatch(strand, [c = std::move(c), n = std::move(n), mx = std::move(mx), txt = std::move(txt)]() mutable {
            c->start_query(n, ns_t_mx, std::move(mx));
            c->start_query(n, ns_t_txt, std::move(txt));
          });
        },
        asio::use_awaitable, std::move(self), std::move(name));
  }

  // On the strand.
  void start_query(const std::string& name, int type, std::unique_ptr<pending_query> op) {
    if (!channel) {
      op->finish(ARES_EDESTRUCTION, {});  // after shutdown: timeout
      return;
    }
    if (name.find('\0') != std::string::npos) {
      op->finish(ARES_EBADNAME, {});  // c-ares would silently query a prefix
      return;
    }
    // From here c-ares owns the op and hands it back exactly once to on_query_done,
    // possibly before ares_query returns (a bad name, no servers); finish() only posts.
    ares_query(channel, name.c_str(), ns_c_in, type, &core::on_query_done, op.release());
    keep_timer_due();
  }

  // On the strand, never from inside a c-ares callback (completions are posted).
  void shutdown() {
    if (!channel) return;
    assert(!processing && "the channel must not be destroyed inside c-ares");
    // ares_destroy ends each query with ARES_EDESTRUCTION (-> timeout) and reports each
    // socket closed through on_socket_state, which drops its watch.
    ares_destroy(channel);
    channel = nullptr;
    for (auto& entry : std::exchange(watches, {})) entry.second->close();
    timer.cancel();
  }

  static void on_query_done(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) noexcept {
    std::unique_ptr<pending_query> op(static_cast<pending_query*>(arg));
    std::span<const unsigned char> answer;
    if (abuf && alen > 0) answer = {abuf, static_cast<std::size_t>(alen)};
    try {
      op->finish(status, answer);
    } catch (...) {
      // Posting failed (out of memory). Nothing may unwind through c-ares.
    }
  }

  // c-ares opened, changed or closed a socket: (readable, writable) is what it wants
  // to hear about; (0, 0) means the fd is about to be closed. Called from inside
  // ares_query / ares_process_fd / ares_destroy, so it only edits the map; nothing
  // iterates the map while c-ares runs.
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) noexcept {
    auto* self = static_cast<core*>(data);
    try {
      self->update_watch(fd, readable != 0, writable != 0);
    } catch (...) {
      // No watch for this fd (out of memory): the timer still ends its queries.
    }
  }

  void update_watch(ares_socket_t fd, bool readable, bool writable) {
    auto it = watches.find(fd);
    if (!readable && !writable) {
      if (it == watches.end()) return;
      auto w = std::move(it->second);
      watches.erase(it);
      w->close();
      return;
    }
    if (it == watches.end()) {
      auto w = std::make_shared<socket_watch>(strand, fd);
      boost::system::error_code ec;
      w->descriptor.assign(fd, ec);
      if (ec) return;  // cannot watch it: the timer ends its queries
      it = watches.emplace(fd, std::move(w)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    arm(it->second);
  }

  void arm(const std::shared_ptr<socket_watch>& w) {
    if (w->closed) return;
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                               [weak = weak_from_this(), w](boost::system::error_code ec) {
                                 w->reading = false;
                                 if (auto self = weak.lock()) self->on_ready(w, ec, true);
                               });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                               [weak = weak_from_this(), w](boost::system::error_code ec) {
                                 w->writing = false;
                                 if (auto self = weak.lock()) self->on_ready(w, ec, false);
                               });
    }
  }

  void on_ready(const std::shared_ptr<socket_watch>& w, boost::system::error_code ec, bool read) {
    // A closed watch's fd may already belong to another socket: never pass it on.
    if (w->closed || !channel) return;
    // A failed wait is not re-armed (it would spin); the timer still ends the queries.
    if (ec) return;
    if (read ? w->want_read : w->want_write) {
      process(read ? w->fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : w->fd);
    }
    arm(w);  // no-op when c-ares closed it meanwhile
  }

  // Reads/writes what is ready and handles timeouts; may call both callbacks.
  void process(ares_socket_t read_fd, ares_socket_t write_fd) {
    if (!channel) return;
    processing = true;
    ares_process_fd(channel, read_fd, write_fd);
    processing = false;
    keep_timer_due();
  }

  // Keeps the timer due no later than c-ares's earliest deadline. Every try
  // c-ares sends (in ares_query, or a retry in ares_process_fd) is due at least
  // first_try after it went out, so a timer due by now + first_try needs no
  // change. Most events then leave the timer alone, instead of asking
  // ares_timeout (which walks every query in flight) and re-arming (a
  // cancelled wait each time): that was a tenth of a verification pass's CPU.
  // A timer that fires before any try expired just re-arms.
  void keep_timer_due() {
    if (!channel) return;
    if (armed && first_try > policy::duration::zero() && armed_for <= std::chrono::steady_clock::now() + first_try)
      return;
    rearm_timer();
  }

  // Sets the timer for c-ares's earliest deadline, exactly.
  void rearm_timer() {
    timeval tv{};
    timeval* next = ares_timeout(channel, nullptr, &tv);
    if (!next) {
      armed = false;
      timer.cancel();  // nothing in flight
      return;
    }
    // Rounded up, so the timer does not fire just before c-ares considers the try expired.
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(std::chrono::seconds(next->tv_sec) +
                                                             std::chrono::microseconds(next->tv_usec));
    armed = true;
    armed_for = std::chrono::steady_clock::now() + wait;
    timer.expires_at(armed_for);
    timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      if (auto self = weak.lock()) {
        self->armed = false;
        self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      }
    });
  }

  strand_type strand;
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, strand_type> timer;
  // c-ares's timeout of a first try, the least any try waits; zero: not known here
  // (its default, or a c-ares that sizes them by each server's latency).
  const policy::duration first_try;
  bool armed = false;                // the timer waits for armed_for
  std::chrono::steady_clock::time_point armed_for{};
  ares_channel channel = nullptr;
  std::map<ares_socket_t, std::shared_ptr<socket_watch>> watches;
  bool processing = false;
};

resolver::resolver(asio::any_io_executor ex, resolver_options options)
    : core_(std::make_shared<core>(std::move(ex), options)) {}

resolver::~resolver() { core_->shutdown(); }

void resolver::shutdown() { core_->shutdown(); }

asio::strand<asio::any_io_executor> resolver::get_executor() const { return core_->strand; }

asio::awaitable<policy::mx_answer> resolver::mx(std::string name) {
  return core::lookup<policy::mx_answer>(core_, std::move(name), ns_t_mx, &parse_mx_answer);
}

asio::awaitable<policy::txt_answer> resolver::txt(std::string name) {
  return core::lookup<policy::txt_answer>(core_, std::move(name), ns_t_txt, &parse_txt_answer);
}

asio::awaitable<std::pair<policy::mx_answer, policy::txt_answer>> resolver::mx_and_txt(std::string name) {
  return core::mx_and_txt(core_, std::move(name));
}

asio::awaitable<address_answer> resolver::a(std::string name) {
  return core::lookup<address_answer>(core_, std::move(name), ns_t_a, &parse_a_answer);
}

asio::awaitable<address_answer> resolver::aaaa(std::string name) {
  return core::lookup<address_answer>(core_, std::move(name), ns_t_aaaa, &parse_aaaa_answer);
}

}  // namespace mfrelay::dns
