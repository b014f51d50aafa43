#include "relay/delivery/destination_client.hpp"

#include <spdlog/spdlog.h>

#include "relay/delivery/delivery_trouble.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;

namespace {

transaction_result settle(const outgoing_message& m, const delivery_verdict& verdict) {
  transaction_result result;
  for (const auto& address : m.recipients) result.recipients.push_back({address, verdict});
  return result;
}

}  // namespace

destination_client::destination_client(asio::any_io_executor ex, asio::ssl::context& tls,
                                       delivery_destination destination, smtp_client_settings base,
                                       std::uint16_t mx_port, dns::resolver* resolver, mx_random random,
                                       mx_host_slots* slots)
    : ex_(std::move(ex)),
      tls_(tls),
      destination_(std::move(destination)),
      settings_(std::move(base)),
      mx_port_(mx_port),
      resolver_(resolver),
      random_(std::move(random)),
      slots_(slots),
      slot_wait_(ex_) {
  settings_.require_tls = destination_.require_tls;
  if (destination_.mx) {
    settings_.tls = policy::tls_mode::starttls;  // opportunistic: whatever the host offers
    settings_.verify_certificate = false;        // MX hosts rarely have a certificate for their name
    settings_.username.clear();
    settings_.password.clear();
    peer_ = destination_.domain;
    return;
  }
  const auto& h = destination_.smarthost;
  settings_.server = h.address;
  settings_.server_name.clear();
  settings_.tls = h.tls;
  settings_.verify_certificate = h.verify_certificate;
  settings_.username = h.username;
  settings_.password = h.password;
  client_.emplace(ex_, tls_, settings_);
  peer_ = client_->peer();
}

destination_client::~destination_client() { release_slot(); }

void destination_client::release_slot() noexcept {
  if (held_.empty()) return;
  try {
    slots_->give_back(held_);
  } catch (...) {  // out of memory in a map: the count stays high, nothing worse
  }
  held_.clear();
}

void destination_client::release_slot_if_closed() noexcept {
  if (!client_ || !client_->connected()) release_slot();
}

smtp_client& destination_client::client_for(const std::string& address, const std::string& name) {
  smtp_client_settings s = settings_;
  s.server = {address, mx_port_};
  s.server_name = name;
  client_.emplace(ex_, tls_, std::move(s));
  return *client_;
}

asio::awaitable<transaction_result> destination_client::deliver(outgoing_message message) {
  aborted_ = false;
  if (!destination_.mx) {
    transaction_result r = co_await client_->deliver(std::move(message));
    peer_ = client_->peer();
    co_return r;
  }
  if (client_ && client_->connected()) {
    // A reused session; smtp_client opens a new one to the same host if the old one died.
    outgoing_message copy = message;
    transaction_result r = co_await client_->deliver(std::move(copy));
    peer_ = client_->peer();
    release_slot_if_closed();  // closed by the server, or messages_per_connection reached
    if (!r.session_failed || aborted_) co_return r;
  }
  co_return co_await deliver_mx(std::move(message));
}

asio::awaitable<transaction_result> destination_client::deliver_mx(outgoing_message message) {
  const std::string& domain = destination_.domain;
  if (domain.empty()) co_return settle(message, judge_no_such_domain("the recipient's domain (not a domain name)"));
  policy::mx_answer answer = co_await resolver_->mx(domain);
  mx_plan plan = plan_mx(domain, answer, random_);
  if (plan.verdict) {
    peer_ = domain;
    co_return settle(message, *plan.verdict);
  }
  std::optional<transaction_result> last;
  bool dns_trouble = false;
  std::size_t tried = 0;
  for (const auto& host : plan.hosts) {
    if (aborted_ || tried >= max_addresses) break;
    dns::address_answer aaaa = co_await resolver_->aaaa(host.name);
    dns::address_answer a = co_await resolver_->a(host.name);
    mx_addresses found = order_addresses(aaaa, a);
    dns_trouble = dns_trouble || found.temporary;
    for (const auto& address : found.addresses) {
      if (aborted_ || tried >= max_addresses) break;
      ++tried;
      client_.reset();
      release_slot();
      if (slots_) {
        if (!co_await slots_->take(address, slot_wait_, aborted_)) break;
        held_ = address;
      }
      smtp_client& client = client_for(address, host.name);
      transaction_result r = co_await client.deliver(message);
      peer_ = client.peer();
      release_slot_if_closed();
      if (!r.session_failed) co_return r;
      spdlog::info("delivery to {}: no session with MX {} (preference {}): {}", domain, peer_, host.preference,
                   r.recipients.empty() ? std::string() : r.recipients.front().verdict.diagnostic);
      last = std::move(r);
    }
  }
  if (last) co_return std::move(*last);
  peer_ = domain;
  co_return settle(message, dns_trouble ? judge_dns_trouble(domain, "no address for its MX hosts")
                                        : judge_no_mx_address(domain));
}

asio::awaitable<void> destination_client::quit() {
  if (client_) co_await client_->quit();
  release_slot();
}

void destination_client::abort() noexcept {
  aborted_ = true;
  slot_wait_.cancel();  // a wait for a host slot ends without one
  if (client_) client_->abort();
  release_slot();
}

}  // namespace mfrelay::relay
