// The admin API's view of one HTTP exchange, independent of Beast: what a
// handler gets (after the server checked limits, the Host header and the
// SigV4 signature) and what it returns. Plain values; any thread. Everything
// in a request is client input.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/ascii.hpp"

namespace mfrelay::relay {

struct http_request {
  std::string method;                               // "GET", "POST", ...
  std::string target;                               // as sent: path and query, still percent-encoded
  std::string path;                                 // percent-decoded path, without the query
  std::multimap<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;       // names lower-cased
  std::string body;
  std::string access_key_id;                        // the SigV4 key that signed it ("" for public paths)
};

struct http_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// ASCII lower case, for header names and hosts (which compare case-insensitively).
inline std::string lower(std::string_view s) { return policy::ascii_lowered(s); }

}  // namespace mfrelay::relay
