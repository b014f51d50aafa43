#include "relay/verification/dmarc_reader.hpp"

#include <cstdint>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "relay/common/clock.hpp"
#include "relay/common/idna.hpp"
#include "relay/events/dmarc_verdict_event.hpp"

namespace mfrelay::relay {

std::shared_ptr<const policy::public_suffix_list> load_public_suffix_list(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the Public Suffix List " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return std::make_shared<const policy::public_suffix_list>(
      policy::public_suffix_list::parse(text.str(), &idna_to_ascii));
}

dmarc_reader::dmarc_reader(boost::asio::any_io_executor io, live_view& view, event_log& events)
    : strand_(io),
      live_(view),
      events_(events),
      timer_(strand_),
      rejudge_timer_(strand_) {}

void dmarc_reader::start() {
  auto cfg = live_.config();
  auto v = std::make_shared<dmarc_view>();
  try {
    v->suffixes = load_public_suffix_list(cfg->dmarc.public_suffix_list);
    spdlog::info("DMARC: {} public suffix rules from {}", v->suffixes->size(), cfg->dmarc.public_suffix_list);
  } catch (const std::exception& e) {
    spdlog::warn("DMARC verdicts off: {} (install Debian's publicsuffix package)", e.what());
    return;
  }
  view_.store(std::move(v));
  for (const auto& w : policy::mail_from_domain_warnings(cfg->identities)) spdlog::warn("{}", w.text);
  resolver_ = std::make_unique<dns::resolver>(strand_,
                                              dns::resolver_options{cfg->dns.servers, cfg->dns.timeout, cfg->dns.tries});
  running_ = true;
  boost::asio::co_spawn(strand_, run(), [this](std::exception_ptr e) {
    running_ = false;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("DMARC reader stopped: {}", ex.what());
    }
  });
}

boost::asio::awaitable<void> dmarc_reader::run() {
  while (!stopping_) {
    auto cfg = live_.config();  // identities added by a reload are read on the next round
    co_await read_all(*cfg);
    if (stopping_) break;
    judge_all(*live_.config());
    timer_.expires_after(cfg->dmarc.interval);
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

boost::asio::awaitable<void> dmarc_reader::read_all(const policy::config& cfg) {
  auto current = view();
  if (!current->suffixes) co_return;
  std::set<std::string> wanted;
  for (const auto& id : cfg.identities.all()) {
    std::string_view domain = id.domain();
    wanted.insert(current->suffixes->organizational_domain(domain).value_or(std::string(domain)));
  }
  std::map<std::string, policy::dmarc_lookup> records;
  for (const auto& org : wanted) {
    policy::dmarc_lookup previous;
    if (auto it = current->records.find(org); it != current->records.end()) previous = it->second;
    policy::txt_answer answer = co_await resolver_->txt("_dmarc." + org);
    if (stopping_) co_return;
    if (answer.outcome != policy::dns_outcome::ok && answer.outcome != policy::dns_outcome::nxdomain &&
        answer.outcome != policy::dns_outcome::nodata)
      spdlog::warn("DMARC: _dmarc.{}: {}; keeping what was known", org, to_string(answer.outcome));
    records.emplace(org, policy::next_dmarc_lookup(previous, answer));
  }
  auto next = std::make_shared<dmarc_view>();
  next->suffixes = current->suffixes;
  next->records = std::move(records);
  view_.store(std::move(next));
}

void dmarc_reader::judge_all(const policy::config& cfg) {
  auto v = view();
  if (!v->suffixes) return;
  const policy::timestamp at = now();
  const auto snapshot = live_.states();
  verdict_table verdicts;
  for (const auto& id : cfg.identities.all())
    verdicts.set(id.name, judge(row_of(id, *snapshot), cfg, *v, at, verdicts_.find(id.name)));
  verdicts_ = std::move(verdicts);
  log_first_verdicts();
}

void dmarc_reader::judge_some(const policy::config& cfg, const std::set<std::string>& names) {
  auto v = view();
  if (!v->suffixes) return;
  const policy::timestamp at = now();
  const auto snapshot = live_.states();
  for (const auto& name : names) {
    const policy::identity* id = cfg.identities.find(name);
    if (!id) continue;  // removed by a reload meanwhile
    verdicts_.set(name, judge(row_of(*id, *snapshot), cfg, *v, at, verdicts_.find(name)));
  }
  log_first_verdicts();
}

void dmarc_reader::log_first_verdicts() {
  if (first_verdicts_.empty()) return;
  std::size_t total = 0;
  std::string counts;
  for (const auto& [result, count] : first_verdicts_) {
    total += count;
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", count, result);
  }
  spdlog::info("DMARC: first verdicts of {} identities: {} (per identity: mfrelay status)", total, counts);
  first_verdicts_.clear();
}

identity_status dmarc_reader::row_of(const policy::identity& id, const policy::state_snapshot& snapshot) {
  identity_status row{&id, std::nullopt, std::nullopt};
  if (id.has_mail_from()) {
    if (auto state = snapshot.find(id.name, id.mail_from_domain)) {
      stored_state stored;
      stored.identity = id.name;
      stored.mail_from_domain = id.mail_from_domain;
      stored.state = *state;
      row.stored = std::move(stored);
    }
  }
  if (auto dkim = snapshot.dkim_state(id.name); dkim && id.dkim) row.dkim = dkim->status;
  return row;
}

const dmarc_reader::kept_verdict* dmarc_reader::verdict_table::find(std::string_view name) const {
  const std::size_t at = index.find(name);
  return at == policy::name_index::npos ? nullptr : &kept[at];
}

void dmarc_reader::verdict_table::set(std::string_view name, kept_verdict verdict) {
  if (const std::size_t at = index.find(name); at != policy::name_index::npos) {
    kept[at] = std::move(verdict);
    return;
  }
  index.insert(name, kept.size());
  kept.push_back(std::move(verdict));
}

dmarc_reader::kept_verdict dmarc_reader::judge(const identity_status& row, const policy::config& cfg,
                                               const dmarc_view& v, policy::timestamp at,
                                               const kept_verdict* before) {
  const std::string& name = row.identity->name;
  boost::json::object verdict = dmarc_json(dmarc_verdict_of(row, cfg, v));
  const std::uint64_t digest = std::hash<std::string>{}(boost::json::serialize(verdict));
  if (before && before->digest == digest) return *before;
  const boost::json::string& result = verdict.at("result").as_string();
  if (result != "unknown") {
    boost::json::object was;
    if (before) was = boost::json::parse(*before->outline).as_object();
    if (was.empty() || was.at("result") == "unknown") {
      // The first verdict since start is no event (a restart would repeat them
      // all), and is counted into one summary line per pass (log_first_verdicts).
      ++first_verdicts_[std::string(result)];
      // (The summaries are built only when logged: a first pass makes 10^5.)
      if (spdlog::should_log(spdlog::level::debug)) spdlog::debug("DMARC {}: {}", name, dmarc_summary(verdict));
    } else if (result == "noPolicy" && was.at("result") == "noPolicy") {
      // No DMARC policy before or after: the alignment alone (a MAIL FROM
      // domain turning Success) changes nothing a receiver does.
      if (spdlog::should_log(spdlog::level::debug))
        spdlog::debug("DMARC {}: {} (was: {})", name, dmarc_summary(verdict), dmarc_summary(was));
    } else {
      spdlog::info("DMARC {}: {} (was: {})", name, dmarc_summary(verdict), dmarc_summary(was));
      events_.write(dmarc_verdict_event(*row.identity, verdict, was, at));
    }
  }
  // What the next change's log line and event say of this verdict. Identities
  // under one organizational domain mostly share it, and are judged one after
  // the other (a pass, a burst of transitions): one copy.
  boost::json::object outline;
  for (const char* key : {"result", "aligned", "policy", "policyTag", "recordName"}) outline[key] = verdict.at(key);
  std::string text = boost::json::serialize(outline);
  if (!last_outline_ || *last_outline_ != text) last_outline_ = std::make_shared<const std::string>(std::move(text));
  return {digest, last_outline_};
}

void dmarc_reader::refresh() {
  boost::asio::post(strand_, [this] { timer_.cancel(); });
}

void dmarc_reader::rejudge(std::vector<std::string> identities) {
  if (identities.empty()) return;
  boost::asio::post(strand_, [this, identities = std::move(identities)]() mutable {
    if (!running_ || stopping_) return;
    for (auto& identity : identities) rejudge_names_.insert(std::move(identity));
    if (rejudge_pending_) return;
    rejudge_pending_ = true;
    rejudge_timer_.expires_after(rejudge_delay);
    rejudge_timer_.async_wait([this](const boost::system::error_code& ec) {
      rejudge_pending_ = false;
      std::set<std::string> names = std::exchange(rejudge_names_, {});
      if (!ec && !stopping_) judge_some(*live_.config(), names);
    });
  });
}

boost::asio::awaitable<void> dmarc_reader::stop() {
  // A member coroutine, not a capturing lambda (GCC 12, see verification_service).
  co_await boost::asio::co_spawn(strand_, stop_on_strand(), boost::asio::use_awaitable);
}

boost::asio::awaitable<void> dmarc_reader::stop_on_strand() {
  stopping_ = true;
  timer_.cancel();
  rejudge_timer_.cancel();
  if (resolver_) resolver_->shutdown();
  // run() ends within a few turns of the strand: its lookups complete at once after
  // shutdown(); the cancelled rejudge_timer_'s handler runs on the next.
  boost::asio::steady_timer wait(strand_);
  for (int i = 0; (running_ || rejudge_pending_) && i < 500; ++i) {
    wait.expires_after(std::chrono::milliseconds(10));
    co_await wait.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  resolver_.reset();
}

}  // namespace mfrelay::relay
