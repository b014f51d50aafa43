// Reads _dmarc.<organizational domain> for every identity through its own
// c-ares resolver, every [dmarc] interval, publishes what it learned as a
// dmarc_view (for status, explain and the API) and writes a DmarcVerdictChange
// event when an identity's verdict changes. start()/stop() run on the daemon's
// io_context; view() from any thread. DNS answers are untrusted.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "dns/resolver.hpp"
#include "policy/name_index.hpp"
#include "relay/common/live_view.hpp"
#include "relay/events/event_log.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/state_rows.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

class dmarc_reader {
 public:
  // The verdicts depend on the MAIL FROM and DKIM states of `view`'s snapshot.
  dmarc_reader(boost::asio::any_io_executor io, live_view& view, event_log& events);

  // Loads the Public Suffix List named by [dmarc] public_suffix_list (an
  // unreadable one is logged: verdicts then stay "unknown") and starts reading.
  void start();
  boost::asio::awaitable<void> stop();
  // Starts the next round now (after a reload: new identities get a verdict at
  // once, not an interval later). Any thread.
  void refresh();
  // Judges `identities` again with the records already read, rejudge_delay
  // from now: a MAIL FROM or DKIM transition can change a verdict, the records
  // did not change. The transitions of a burst share one turn, and each judges
  // only its own identity: a first pass over 10^5 domains makes 10^5
  // transitions, and judging every identity for each was quadratic. One call
  // per group commit, not per transition. Any thread.
  void rejudge(std::vector<std::string> identities);
  static constexpr std::chrono::milliseconds rejudge_delay{1000};

  // What the last reads found; never null.
  std::shared_ptr<const dmarc_view> view() const { return view_.load(); }

 private:
  boost::asio::awaitable<void> run();  // on strand_
  boost::asio::awaitable<void> read_all(const policy::config& cfg);
  void judge_all(const policy::config& cfg);
  void judge_some(const policy::config& cfg, const std::set<std::string>& names);
  // An identity's last verdict: a digest of its whole dmarc_json (a change in
  // any field is a change), and the fields a DmarcVerdictChange and its log
  // line quote as the previous verdict, serialized and shared.
  struct kept_verdict {
    std::uint64_t digest = 0;
    std::shared_ptr<const std::string> outline;
  };
  // Judges one row; counts a first verdict, or logs a change and writes a
  // DmarcVerdictChange event for it (none between two noPolicy verdicts: with
  // no record, alignment alone decides nothing). Returns what to keep of it.
  kept_verdict judge(const identity_status& row, const policy::config& cfg, const dmarc_view& v,
                     policy::timestamp at, const kept_verdict* before);
  // identity -> its last verdict: the names in one buffer and the verdicts in
  // one vector, no allocation per identity (a std::map took 10 MB at 10^5).
  struct verdict_table {
    policy::name_index index;
    std::vector<kept_verdict> kept;
    const kept_verdict* find(std::string_view name) const;
    void set(std::string_view name, kept_verdict verdict);
  };
  // One info line: how many first verdicts judge() counted, by result.
  void log_first_verdicts();
  static identity_status row_of(const policy::identity& id, const policy::state_snapshot& snapshot);
  boost::asio::awaitable<void> stop_on_strand();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  live_view& live_;
  event_log& events_;
  std::unique_ptr<dns::resolver> resolver_;
  boost::asio::steady_timer timer_;
  std::atomic<std::shared_ptr<const dmarc_view>> view_{std::make_shared<const dmarc_view>()};
  // Each identity's last verdict (strand_): about 70 bytes an identity, where a
  // boost::json object each took a kilobyte and its text half of one.
  verdict_table verdicts_;
  std::shared_ptr<const std::string> last_outline_;  // the last one judge() made (strand_)
  std::map<std::string, std::size_t> first_verdicts_;  // result -> first verdicts judged this turn (strand_)
  boost::asio::steady_timer rejudge_timer_;
  bool rejudge_pending_ = false;  // rejudge_timer_'s handler has yet to run (strand_)
  std::set<std::string> rejudge_names_;  // for that turn (strand_)
  bool stopping_ = false;
  bool running_ = false;
};

// The list as policy/ reads it, its U-label rules converted with libidn2.
// Throws std::runtime_error when the file cannot be read.
std::shared_ptr<const policy::public_suffix_list> load_public_suffix_list(const std::string& path);

}  // namespace mfrelay::relay
