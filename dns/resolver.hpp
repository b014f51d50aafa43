// A c-ares channel driven by Asio: MX, TXT, A and AAAA lookups as awaitables with
// policy's closed set of outcomes. Lookups may be awaited from any executor and complete
// on the awaiting one; shutdown() and the destructor run on the resolver's strand (with
// a one-thread io_context: any handler of it) or while nothing runs the io_context.
// Answers come from DNS servers on the network and are untrusted.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>

#include "dns/answer_parse.hpp"
#include "policy/host_port.hpp"
#include "policy/mail_from_check.hpp"
#include "policy/time.hpp"

namespace mfrelay::dns {

struct resolver_options {
  std::vector<policy::host_port> servers;  // empty: the system's resolver configuration
  policy::duration timeout{2000};          // per try; zero or less: c-ares's default
  unsigned tries = 2;                      // zero: c-ares's default
};

// One c-ares channel, all of its work on one strand. Every lookup ends with exactly
// one of policy::dns_outcome's values: c-ares errors are folded into that set
// (outcome_of_status), never thrown. Queries use ares_query: class IN, no search list.
//
// Lifetime: shutdown() (also run by the destructor) ends every query in flight with
// dns_outcome::timeout; a lookup started afterwards completes at once with timeout.
// Completions are always posted, never run inside c-ares, so a caller may shut the
// resolver down from the coroutine a lookup resumes. The io_context must outlive it.
class resolver {
 public:
  // Throws std::runtime_error when c-ares cannot start, std::invalid_argument when a
  // server is not an IP address.
  resolver(boost::asio::any_io_executor ex, resolver_options options);
  ~resolver();
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  boost::asio::awaitable<policy::mx_answer> mx(std::string name);
  boost::asio::awaitable<policy::txt_answer> txt(std::string name);
  // Both at once, completing once: a MAIL FROM check's lookups without a
  // coroutine and a parallel group per lookup (a tenth of a pass's CPU).
  boost::asio::awaitable<std::pair<policy::mx_answer, policy::txt_answer>> mx_and_txt(std::string name);
  boost::asio::awaitable<address_answer> a(std::string name);
  boost::asio::awaitable<address_answer> aaaa(std::string name);

  // Idempotent. Synchronous: queries in flight are completed (posted) before it returns.
  void shutdown();
  // The strand all c-ares work runs on.
  boost::asio::strand<boost::asio::any_io_executor> get_executor() const;

 private:
  struct core;
  std::shared_ptr<core> core_;  // shared with queued work, so late completions find it
};

}  // namespace mfrelay::dns
