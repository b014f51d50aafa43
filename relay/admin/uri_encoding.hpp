// Percent-encoding as SigV4 and the SES query protocol use it: AWS's unreserved
// set (A-Z a-z 0-9 - _ . ~), upper-case hex, and botocore's dot-segment removal.
// Pure functions, any thread. Every input is client-controlled bytes; nothing here fails.
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace mfrelay::relay {

// Encodes every byte outside the unreserved set as %XX (upper case); '/' is kept
// when `keep_slash` (for paths).
std::string uri_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX; a '%' not followed by two hex digits stays as it is (as Python's
// unquote does). `plus_is_space` for form bodies and query strings.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

// Calls visit(key, value) for each piece of "a=1&b=2&b" in order ("a","1"),
// ("b","2"), ("b",""), raw (not decoded). Empty pieces are skipped.
template <class Visit>
void for_each_query_pair(std::string_view query, Visit&& visit) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    visit(piece.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
  }
}

// "a=1&b=2&b" -> {a:1, b:2, b:""}, keys and values decoded. Empty pieces are
// skipped. `plus_is_space` for application/x-www-form-urlencoded bodies; a URL's
// query keeps '+' as a plus, as SigV4's canonical query does: what a handler
// reads is then exactly what the signature covers ("a+b" and "a%2Bb" are one).
std::multimap<std::string, std::string> parse_query(std::string_view query, bool plus_is_space);

// RFC 3986 remove_dot_segments as botocore does it for SigV4: "." and ".." are
// resolved and empty segments ("//") dropped; a trailing '/' is kept when
// anything remains. "" -> "/".
std::string remove_dot_segments(std::string_view path);

}  // namespace mfrelay::relay
