// A small, bounded MIME reader for the feedback parsers: header fields
// (unfolded, case-insensitive), Content-Type with its parameters, transfer
// decoding (base64, quoted-printable) and multipart bodies split at their
// boundary. Pure: no I/O, no clock, no logging; any thread. Every byte it reads
// comes from a stranger's message (a bounce, a complaint, spam at the feedback
// MX), so every loop is linear in its input and every result is bounded.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

struct mime_limits {
  std::size_t max_fields = 500;         // header fields kept per header block
  std::size_t max_field_bytes = 8192;   // an unfolded field value is cut here
  std::size_t max_parts = 100;          // body parts kept per multipart
  std::size_t max_boundary_bytes = 200; // RFC 2046 allows 70; longer is not a boundary we search for
};

struct header_field {
  std::string name;   // as written
  std::string value;  // unfolded (CR/LF removed, folds kept as their whitespace), trimmed
};

struct header_block {
  std::vector<header_field> fields;
  // The first field named `name` (ASCII case-insensitive); empty when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Every field named `name`, in order.
  std::vector<std::string_view> all(std::string_view name) const;
};

// Reads a header block from the start of `text` up to the first empty (or
// all-whitespace) line, or the end. Lines end in LF or CRLF; a line starting with SP/HT continues the
// previous field; a line without a colon is skipped. `rest` gets the body after
// the empty line (empty when there is none).
header_block parse_header_block(std::string_view text, std::string_view* rest = nullptr,
                                const mime_limits& limits = {});

struct content_type {
  std::string type;     // lower case: "multipart", "text", ...; "text" when absent
  std::string subtype;  // lower case: "report", "plain", ...; "plain" when absent
  std::vector<header_field> params;  // names lower case, values unquoted
  std::string_view param(std::string_view name) const;
  bool is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
};

// RFC 2045 5.1, leniently: "type/subtype; name=value; name="quoted value"".
// Comments in parentheses are skipped; a missing or unreadable type is text/plain.
content_type parse_content_type(std::string_view value);

// The body after Content-Transfer-Encoding: base64 (characters outside the
// alphabet skipped, as RFC 2045 6.8 asks), quoted-printable (soft breaks
// joined, bad escapes kept as written); anything else as it is.
std::string decode_transfer(std::string_view body, std::string_view encoding);

// The parts of a multipart body between "--boundary" lines, up to the close
// delimiter "--boundary--" (or the end when it is missing). The preamble and
// epilogue are dropped. Each part is its headers and body, undecoded. An empty
// or too long boundary gives no parts.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary,
                                              const mime_limits& limits = {});

// One line at a time: `line` gets the next line of `text` from `pos` without
// its LF or CRLF, and `pos` moves past it. False at the end.
bool next_line(std::string_view text, std::size_t& pos, std::string_view& line);

}  // namespace mfrelay::relay
