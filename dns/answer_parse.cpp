#include "dns/answer_parse.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <climits>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace mfrelay::dns {
namespace {

using policy::dns_outcome;

int length_of(std::span<const unsigned char> answer) {
  return answer.size() > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(answer.size());
}

// A parse status other than success: "no records of this type" is nodata, the rest a bad response.
dns_outcome parse_failure(int status) { return status == ARES_ENODATA ? dns_outcome::nodata : dns_outcome::bad_response; }

}  // namespace

dns_outcome outcome_of_status(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS: return dns_outcome::ok;
    case ARES_ENOTFOUND: return dns_outcome::nxdomain;
    case ARES_ENODATA: return dns_outcome::nodata;
    case ARES_ESERVFAIL: return dns_outcome::servfail;
    case ARES_EREFUSED: return dns_outcome::refused;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:  // no server reachable: as inconclusive as a timeout
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return dns_outcome::timeout;
    default:
      return dns_outcome::bad_response;  // FORMERR, NOTIMP, EBADRESP, ...
  }
}

namespace {

std::uint16_t read16(std::span<const unsigned char> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

// The (possibly compressed) name at `at`, lower case, without a trailing dot;
// `at` moves past it. Nullopt when malformed.
std::optional<std::string> read_name(std::span<const unsigned char> b, std::size_t& at) {
  if (at >= b.size()) return std::nullopt;
  char* name = nullptr;
  long length = 0;
  if (ares_expand_name(b.data() + at, b.data(), length_of(b), &name, &length) != ARES_SUCCESS) return std::nullopt;
  std::string out(name);
  ares_free_string(name);
  at += static_cast<std::size_t>(length);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

namespace {

// The question's name and the answer section's CNAMEs (owner -> target);
// nullopt for anything malformed.
struct cname_chain {
  std::string qname;
  std::map<std::string, std::string> cname;
};

std::optional<cname_chain> read_cname_chain(std::span<const unsigned char> answer) {
  constexpr std::size_t header = 12, type_cname = 5;
  if (answer.size() < header) return std::nullopt;
  const std::size_t questions = read16(answer, 4), answers = read16(answer, 6);
  if (questions != 1) return std::nullopt;
  std::size_t at = header;
  auto qname = read_name(answer, at);
  if (!qname) return std::nullopt;
  at += 4;  // QTYPE, QCLASS
  cname_chain out{*qname, {}};
  for (std::size_t i = 0; i < answers; ++i) {
    auto owner = read_name(answer, at);
    if (!owner || at + 10 > answer.size()) return std::nullopt;
    const std::size_t type = read16(answer, at), rdlength = read16(answer, at + 8);
    at += 10;
    if (at + rdlength > answer.size()) return std::nullopt;
    if (type == type_cname) {
      std::size_t rdata = at;
      auto target = read_name(answer, rdata);
      if (!target) return std::nullopt;
      out.cname.emplace(*owner, *target);
    }
    at += rdlength;
  }
  return out;
}

}  // namespace

bool cname_chain_loops(std::span<const unsigned char> answer) {
  auto chain = read_cname_chain(answer);
  if (!chain) return false;
  std::set<std::string> seen{chain->qname};
  for (auto it = chain->cname.find(chain->qname); it != chain->cname.end(); it = chain->cname.find(it->second)) {
    if (!seen.insert(it->second).second) return true;
  }
  return false;
}

std::string cname_chain_end(std::span<const unsigned char> answer) {
  auto chain = read_cname_chain(answer);
  if (!chain) return {};
  std::set<std::string> seen{chain->qname};
  std::string end;
  for (auto it = chain->cname.find(chain->qname); it != chain->cname.end(); it = chain->cname.find(it->second)) {
    if (!seen.insert(it->second).second) return {};
    end = it->second;
  }
  return end;
}

policy::mx_answer parse_mx_answer(std::span<const unsigned char> answer) {
  policy::mx_answer out;
  ares_mx_reply* replies = nullptr;
  int status = ares_parse_mx_reply(answer.data(), length_of(answer), &replies);
  if (status != ARES_SUCCESS) {
    out.outcome = parse_failure(status);
    out.cname_loop = out.outcome == dns_outcome::nodata && cname_chain_loops(answer);
    return out;
  }
  out.outcome = dns_outcome::ok;
  for (ares_mx_reply* r = replies; r; r = r->next) out.records.push_back({r->priority, r->host ? r->host : ""});
  ares_free_data(replies);
  if (out.records.empty()) {
    out.outcome = dns_outcome::nodata;
    out.cname_loop = cname_chain_loops(answer);
  }
  return out;
}

policy::txt_answer parse_txt_answer(std::span<const unsigned char> answer) {
  policy::txt_answer out;
  ares_txt_ext* replies = nullptr;
  int status = ares_parse_txt_reply_ext(answer.data(), length_of(answer), &replies);
  if (status != ARES_SUCCESS) {
    out.outcome = parse_failure(status);
    if (out.outcome == dns_outcome::nodata) out.cname = cname_chain_end(answer);
    return out;
  }
  out.outcome = dns_outcome::ok;
  // A TXT record may hold several strings; they are one value, concatenated (RFC 7208 3.3).
  for (ares_txt_ext* r = replies; r; r = r->next) {
    if (r->record_start || out.texts.empty()) out.texts.emplace_back();
    out.texts.back().append(reinterpret_cast<const char*>(r->txt), r->length);
  }
  ares_free_data(replies);
  if (out.texts.empty()) {
    out.outcome = dns_outcome::nodata;
    out.cname = cname_chain_end(answer);
  }
  return out;
}

namespace {

const void* address_of(const ares_addrttl& t) { return &t.ipaddr; }
const void* address_of(const ares_addr6ttl& t) { return &t.ip6addr; }

template <class Parse, class Ttl>
address_answer parse_addresses(std::span<const unsigned char> answer, int family, Parse parse) {
  address_answer out;
  Ttl ttls[64];
  int count = 64;
  int status = parse(answer.data(), length_of(answer), nullptr, ttls, &count);
  if (status != ARES_SUCCESS) {
    out.outcome = parse_failure(status);
    return out;
  }
  out.outcome = count > 0 ? dns_outcome::ok : dns_outcome::nodata;
  for (int i = 0; i < count; ++i) {
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, address_of(ttls[i]), text, sizeof text)) out.addresses.emplace_back(text);
  }
  return out;
}

}  // namespace

address_answer parse_a_answer(std::span<const unsigned char> answer) {
  return parse_addresses<decltype(&ares_parse_a_reply), ares_addrttl>(answer, AF_INET, &ares_parse_a_reply);
}

address_answer parse_aaaa_answer(std::span<const unsigned char> answer) {
  return parse_addresses<decltype(&ares_parse_aaaa_reply), ares_addr6ttl>(answer, AF_INET6, &ares_parse_aaaa_reply);
}

}  // namespace mfrelay::dns
