// libFuzzer harness for relay/smtp/data_decoder: arbitrary DATA-phase bytes,
// cut into chunks, in both bare_newline modes, checked against a tiny
// reference reading of the same bytes: the end is exactly the first CRLF.CRLF
// (the CRLF of the DATA command counting as the first CRLF), the verdict and
// the content agree, and the decoded output never holds a bare CR or LF.
//
// Input: [flags] [chunk seed] data...
//   flags bit 0: normalize (else reject); bits 1-2: max_message_bytes
//   (unlimited, 0, 16, 1000). The seed drives the chunk sizes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "relay/smtp/data_decoder.hpp"

namespace {

using mfrelay::policy::bare_newline_mode;
using mfrelay::relay::smtp::data_decoder;

struct reference_result {
  bool ended = false;
  std::size_t consumed = 0;  // up to and including the terminator
  bool rejected = false;
  std::string content;  // every line, even when rejected
};

// Line by line, without state machines: split at CRLF (and, in both modes, at a
// bare CR or LF), drop one leading dot.
reference_result reference(std::string_view input, bare_newline_mode mode, std::uint64_t max_bytes) {
  reference_result ref;
  const std::string framed = "\r\n" + std::string(input);
  const std::size_t at = framed.find("\r\n.\r\n");
  if (at == std::string::npos) return ref;
  ref.ended = true;
  ref.consumed = at + 3;
  const std::string_view body = input.substr(0, at);  // ends with the CRLF before the dot (or is empty)
  std::string line;
  auto end_line = [&] {
    if (line.size() > 998) ref.rejected = true;  // RFC 5321 4.5.3.1.6, as received
    if (line == ".") ref.rejected = true;       // a dot line that is not the terminator: smuggling
    ref.content += !line.empty() && line[0] == '.' ? line.substr(1) : line;
    ref.content += "\r\n";
    line.clear();
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      ++i;
      end_line();
    } else if (c == '\r' || c == '\n') {
      if (mode == bare_newline_mode::reject) ref.rejected = true;
      end_line();
    } else {
      if (c == '\0') ref.rejected = true;
      line += c;
    }
  }
  if (ref.content.size() > max_bytes) ref.rejected = true;
  return ref;
}

bool has_bare_cr_or_lf(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t flags = bytes[0];
  std::uint32_t seed = bytes[1] * 2654435761u + 1;
  const std::string_view input(reinterpret_cast<const char*>(bytes) + 2, size - 2);
  const bare_newline_mode mode = flags & 1 ? bare_newline_mode::normalize : bare_newline_mode::reject;
  constexpr std::uint64_t limits[] = {1'000'000'000, 0, 16, 1000};
  const std::uint64_t max_bytes = limits[(flags >> 1) & 3];

  const reference_result ref = reference(input, mode, max_bytes);

  data_decoder decoder(max_bytes, mode);
  std::string content;
  std::size_t consumed = 0;
  bool ended = false;
  while (consumed < input.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t left = input.size() - consumed;
    const std::size_t piece = seed >> 28 == 0 ? left : 1 + (seed >> 16) % left;
    const data_decoder::result r = decoder.put(input.substr(consumed, piece));
    FUZZ_CHECK(r.consumed <= piece);
    FUZZ_CHECK(r.consumed > 0 || r.ended);  // no progress would loop the session forever
    content += r.decoded;
    consumed += r.consumed;
    if (r.ended) {
      ended = true;
      break;
    }
  }

  FUZZ_CHECK_MSG(ended == ref.ended, input);
  if (ended) {
    FUZZ_CHECK_MSG(consumed == ref.consumed, input);  // the end is the first CRLF.CRLF, nowhere else
    const data_decoder::result again = decoder.put("more\r\n.\r\n");
    FUZZ_CHECK(again.ended && again.consumed == 0 && again.decoded.empty());
  } else {
    FUZZ_CHECK(consumed == input.size());
  }
  // Nothing the decoder hands out can be read as a line end by a lenient next hop.
  FUZZ_CHECK_MSG(!has_bare_cr_or_lf(content), content);
  if (!ended) return 0;
  FUZZ_CHECK_MSG(decoder.rejection().has_value() == ref.rejected, input);
  if (ref.rejected) {
    // Whatever went out before the refusal is a prefix of the real content.
    FUZZ_CHECK_MSG(ref.content.compare(0, content.size(), content) == 0, input);
  } else {
    FUZZ_CHECK_MSG(content == ref.content, input);
    FUZZ_CHECK(decoder.message_bytes() == content.size());
  }
  return 0;
}
