// Reads _dmarc.<organizational domain> for every identity through its own
// c-ares resolver, every [dmarc] interval, publishes what it learned as a
// dmarc_view (for status, explain and the API) and writes a DmarcVerdictChange
// event when an identity's verdict changes. start()/stop() run on the daemon's
// io_context; view() from any thread. DNS answers are untrusted.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "dns/resolver.hpp"
#include "relay/common/live_view.hpp"
#include "relay/events/event_log.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

class dmarc_reader {
 public:
  // `states` gives the MAIL FROM states the verdicts depend on (the recorder's all()).
  using states_function = std::function<std::vector<stored_state>()>;
  dmarc_reader(boost::asio::any_io_executor io, live_view& view, event_log& events, states_function states);

  // Loads the Public Suffix List named by [dmarc] public_suffix_list (an
  // unreadable one is logged: verdicts then stay "unknown") and starts reading.
  void start();
  boost::asio::awaitable<void> stop();
  // Starts the next round now (after a reload: new identities get a verdict at
  // once, not an interval later). Any thread.
  void refresh();

  // What the last reads found; never null.
  std::shared_ptr<const dmarc_view> view() const { return view_.load(); }

 private:
  boost::asio::awaitable<void> run();  // on strand_
  boost::asio::awaitable<void> read_all(const policy::config& cfg);
  void judge_all(const policy::config& cfg);
  boost::asio::awaitable<void> stop_on_strand();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  live_view& live_;
  event_log& events_;
  states_function states_;
  std::unique_ptr<dns::resolver> resolver_;
  boost::asio::steady_timer timer_;
  std::atomic<std::shared_ptr<const dmarc_view>> view_{std::make_shared<const dmarc_view>()};
  std::map<std::string, boost::json::object> verdicts_;  // identity -> last dmarc_json (strand_)
  bool stopping_ = false;
  bool running_ = false;
};

// The list as policy/ reads it, its U-label rules converted with libidn2.
// Throws std::runtime_error when the file cannot be read.
std::shared_ptr<const policy::public_suffix_list> load_public_suffix_list(const std::string& path);

}  // namespace mfrelay::relay
