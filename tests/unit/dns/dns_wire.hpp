// Builds and reads DNS messages by hand for the dns/ unit tests: the answers the parser
// tests feed in and the replies of the in-process test DNS server. Test code only; any
// thread. parse_query reads what the resolver under test sent.
#pragma once
#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::dns::test {

// The feedback host the MAIL FROM checks expect (us-west-2).
inline constexpr const char* feedback = "feedback-smtp.us-west-2.amazonses.com";

using bytes = std::vector<unsigned char>;

enum : std::uint16_t { type_a = 1, type_cname = 5, type_mx = 15, type_txt = 16, type_aaaa = 28 };
enum : std::uint8_t { rcode_noerror = 0, rcode_formerr = 1, rcode_servfail = 2, rcode_nxdomain = 3, rcode_refused = 5 };

inline void put16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v & 0xff));
}

inline void put32(bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v & 0xffff));
}

inline bytes encode_name(std::string_view name) {
  bytes out;
  while (!name.empty()) {
    auto dot = name.find('.');
    auto label = name.substr(0, dot);
    out.push_back(static_cast<unsigned char>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
  return out;
}

// A pointer to the question name, which starts right after the 12-byte header.
inline bytes pointer_to_question() { return {0xc0, 0x0c}; }

struct resource_record {
  bytes owner;  // an encoded name (encode_name or pointer_to_question)
  std::uint16_t type = type_a;
  bytes rdata;
  std::uint32_t ttl = 300;
};

inline resource_record record(std::string_view owner, std::uint16_t type, bytes rdata) {
  return {encode_name(owner), type, std::move(rdata)};
}

inline bytes mx_rdata(std::uint16_t preference, std::string_view exchange) {
  bytes out;
  put16(out, preference);
  auto name = encode_name(exchange);
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

// One TXT record holding these character-strings (each at most 255 bytes).
inline bytes txt_rdata(std::initializer_list<std::string_view> strings) {
  bytes out;
  for (auto s : strings) {
    out.push_back(static_cast<unsigned char>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

inline bytes address_rdata(int family, const char* text) {
  unsigned char buf[16] = {};
  if (inet_pton(family, text, buf) != 1) throw std::invalid_argument(text);
  return bytes(buf, buf + (family == AF_INET ? 4 : 16));
}

struct header_fields {
  std::uint16_t id = 0x1234;
  bool truncated = false;
  std::uint8_t rcode = rcode_noerror;
  std::uint16_t qdcount = 1;  // what the header claims; the question is written once
};

// A response (QR, RD, RA set) with one question and these answers.
inline bytes response(std::string_view qname, std::uint16_t qtype, const std::vector<resource_record>& answers,
                      header_fields h = {}) {
  bytes out;
  put16(out, h.id);
  put16(out, static_cast<std::uint16_t>(0x8180 | (h.truncated ? 0x0200 : 0) | (h.rcode & 0x0f)));
  put16(out, h.qdcount);
  put16(out, static_cast<std::uint16_t>(answers.size()));
  put16(out, 0);
  put16(out, 0);
  auto q = encode_name(qname);
  out.insert(out.end(), q.begin(), q.end());
  put16(out, qtype);
  put16(out, 1);  // IN
  for (const auto& rr : answers) {
    out.insert(out.end(), rr.owner.begin(), rr.owner.end());
    put16(out, rr.type);
    put16(out, 1);
    put32(out, rr.ttl);
    put16(out, static_cast<std::uint16_t>(rr.rdata.size()));
    out.insert(out.end(), rr.rdata.begin(), rr.rdata.end());
  }
  return out;
}

// What the test server needs from a query.
struct query {
  std::uint16_t id = 0;
  std::string name;  // lower-case, no trailing dot
  std::uint16_t type = 0;
};

inline std::optional<query> parse_query(std::span<const unsigned char> msg) {
  if (msg.size() < 12 || msg[4] != 0 || msg[5] != 1) return std::nullopt;
  query q;
  q.id = static_cast<std::uint16_t>(msg[0] << 8 | msg[1]);
  std::size_t at = 12;
  while (at < msg.size() && msg[at] != 0) {
    std::size_t len = msg[at];
    if (len > 63 || at + 1 + len >= msg.size()) return std::nullopt;
    if (!q.name.empty()) q.name += '.';
    for (std::size_t i = 0; i < len; ++i) q.name += static_cast<char>(std::tolower(msg[at + 1 + i]));
    at += 1 + len;
  }
  if (at + 5 > msg.size()) return std::nullopt;
  q.type = static_cast<std::uint16_t>(msg[at + 1] << 8 | msg[at + 2]);
  return q;
}

}  // namespace mfrelay::dns::test
