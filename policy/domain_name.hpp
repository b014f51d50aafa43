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

}  // namespace mfrelay::policy
