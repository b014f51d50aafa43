// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2)
// that a load balancer sends before the SMTP bytes of a connection it
// forwards: it names the client the balancer accepted, so that `network`
// auth, events, metrics and the Received header see the client, not the
// balancer. Pure: the session (relay/server/smtp_session.cpp) reads bytes,
// this reads the header in them. Untrusted input, even from an allowed
// balancer: bounded, every field checked.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mfrelay::relay::smtp {

// v1 is at most 107 bytes; v2 is 16 plus its length field. TLVs beyond this
// (HAProxy adds some on request) are refused rather than buffered without end.
inline constexpr std::size_t max_proxy_header_bytes = 4096;

enum class proxy_parse_status {
  complete,   // `length` bytes are the header; the SMTP stream starts after them
  need_more,  // a valid beginning: read more bytes
  invalid,    // not a PROXY header, or a malformed one: close the connection
};

struct proxy_header {
  proxy_parse_status status = proxy_parse_status::need_more;
  std::size_t length = 0;
  // v1 UNKNOWN, v2 LOCAL or an unspecified family: the balancer speaking for
  // itself (a health check): the connection's own address stands.
  bool local = false;
  std::string source_address;  // the client: "192.0.2.7", "2001:db8::7" (empty when local)
  std::uint16_t source_port = 0;
  std::string error;  // what was wrong, for the log (invalid only)
  // need_more: bytes the header certainly still has. Reading no more than this
  // never takes a byte of what follows (a TLS ClientHello on an implicit-TLS
  // listener must stay in the socket for the handshake).
  std::size_t more = 0;
};

proxy_header parse_proxy_header(std::string_view bytes);

}  // namespace mfrelay::relay::smtp
