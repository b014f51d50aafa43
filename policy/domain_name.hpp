// Domain name rules: case-insensitive, a trailing dot ignored, hostname syntax.
// Pure functions, any thread. Inputs may come straight from SMTP clients.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::policy {

// Lower-cases ASCII letters and drops one trailing dot: "Mail.Example.COM." -> "mail.example.com".
std::string normalize_domain(std::string_view name);

// Why `name` is not a valid hostname (letters, digits, hyphens; labels of 1..63
// octets not starting or ending with '-'; at most 253 octets; at least two
// labels unless `allow_single_label`), or an empty string when it is valid.
// Expects a normalized name.
std::string hostname_error(std::string_view name, bool allow_single_label = false);
inline bool is_valid_hostname(std::string_view name) { return hostname_error(name).empty(); }

// True when `name` is a proper subdomain of `parent` ("a.example.com" of "example.com").
// Both normalized.
bool is_subdomain_of(std::string_view name, std::string_view parent);

// The parent domain ("b.c" for "a.b.c"), or empty when `name` has a single label.
std::string_view parent_domain(std::string_view name);

// IDNA2008 ToASCII (RFC 5891) for a domain that holds U-labels ("dést.test"):
// its A-label form in lower case ("xn--dst-bma.test"), or why it has none.
// policy/ does not implement IDNA (it stays standard-library only): relay/
// passes libidn2's conversion in (relay/common/idna.hpp), tests may pass a fake.
struct idna_result {
  std::string ascii;  // empty on failure
  std::string error;
};
using idna_to_ascii = idna_result (*)(std::string_view utf8_domain);

// A domain as written, in its A-label form for matching: `name` lower-cased
// (normalize_domain), converted with `to_ascii` when it holds non-ASCII octets,
// and checked as a hostname. `error` says why it is not a usable domain
// (without `to_ascii`, a non-ASCII domain is refused).
struct domain_forms {
  std::string written;  // normalize_domain(name): U-labels kept as written
  std::string ascii;    // lower-case A-labels; empty on error
  std::string error;
};
domain_forms parse_domain(std::string_view name, idna_to_ascii to_ascii, bool allow_single_label = false);

}  // namespace mfrelay::policy
