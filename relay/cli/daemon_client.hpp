// How `mfrelay status`, `explain` and `verify` reach the running daemon: a
// SigV4-signed call to its admin API ([admin] address, first [[admin.key]]).
// Main thread only (blocking). The answer is parsed as JSON.
#pragma once
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "policy/config.hpp"
#include "relay/common/http_client.hpp"

namespace mfrelay::relay {

struct daemon_answer {
  std::optional<boost::json::value> json;  // the body, when the daemon answered 2xx with JSON
  std::string error;                       // why not: unreachable, no key, an HTTP error body
  bool reached = false;                    // the daemon answered at all (then `error` is its own)
};

// `target`: path and query, already percent-encoded (uri_encode, relay/admin/uri_encoding.hpp).
// The request to the daemon's admin API as [admin] in `cfg` describes it: its
// address (a wildcard address becomes loopback), signed with the first
// [[admin.key]] (unsigned when there is none) for the relay's region.
http_client_request admin_api_request(const policy::config& cfg, std::string method, std::string target,
                                      std::string body = {}, std::string content_type = {});

// One value of a daemon answer as a table cell: "-" for null, a string as it
// is, anything else as JSON.
std::string table_cell(const boost::json::value& v);

// `json_body`: sent as application/json when not empty.
daemon_answer call_daemon(const policy::config& cfg, const std::string& method, const std::string& target,
                          const std::string& json_body = {});

}  // namespace mfrelay::relay
