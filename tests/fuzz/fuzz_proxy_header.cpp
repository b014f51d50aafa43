// libFuzzer harness for relay/smtp/proxy_header: arbitrary first bytes of a
// connection on a proxy_protocol listener. Whatever arrives, the parser
// answers within its bounds: a complete header lies inside the bytes and
// inside max_proxy_header_bytes and names an address only when not local; a
// request for more never reaches past the bound; a refusal says why. Read as
// the session reads (exactly `more` bytes at a time), the verdict is the one
// the whole input gets.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "relay/smtp/proxy_header.hpp"

using mfrelay::relay::smtp::max_proxy_header_bytes;
using mfrelay::relay::smtp::parse_proxy_header;
using mfrelay::relay::smtp::proxy_header;
using mfrelay::relay::smtp::proxy_parse_status;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const proxy_header whole = parse_proxy_header(input);
  switch (whole.status) {
    case proxy_parse_status::complete:
      FUZZ_CHECK_MSG(whole.length > 0 && whole.length <= input.size() && whole.length <= max_proxy_header_bytes, input);
      FUZZ_CHECK_MSG(whole.local == whole.source_address.empty(), input);
      break;
    case proxy_parse_status::need_more:
      FUZZ_CHECK_MSG(whole.more >= 1 && input.size() + whole.more <= max_proxy_header_bytes, input);
      break;
    case proxy_parse_status::invalid:
      FUZZ_CHECK_MSG(!whole.error.empty(), input);
      break;
  }
  // The session's reads: never past the header, and the same verdict in the end.
  std::size_t have = 0;
  proxy_header step = parse_proxy_header(input.substr(0, 0));
  for (int reads = 0; step.status == proxy_parse_status::need_more && have + step.more <= input.size(); ++reads) {
    FUZZ_CHECK_MSG(reads < 200, input);
    have += step.more;
    step = parse_proxy_header(input.substr(0, have));
  }
  if (step.status == proxy_parse_status::complete) {
    FUZZ_CHECK_MSG(whole.status == proxy_parse_status::complete && whole.length == step.length &&
                   whole.source_address == step.source_address && whole.source_port == step.source_port,
               input);
  }
  if (step.status == proxy_parse_status::invalid) FUZZ_CHECK_MSG(whole.status == proxy_parse_status::invalid, input);
  return 0;
}
