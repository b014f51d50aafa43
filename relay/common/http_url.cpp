#include "relay/common/http_url.hpp"

#include <charconv>

namespace mfrelay::relay {

std::optional<http_url> parse_http_url(std::string_view url, std::string& why) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    why = "only http:// URLs are supported: '" + std::string(url.substr(0, 80)) + "'";
    return std::nullopt;
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      why = "the URL holds a space or a control character";  // no room for a request line of our own making
      return std::nullopt;
    }
  }
  url.remove_prefix(scheme.size());
  const std::size_t slash = url.find_first_of("/?");
  const std::string_view authority = url.substr(0, slash);
  http_url out;
  if (slash != std::string_view::npos) out.target = std::string(url.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unclosed '[' in the URL's host";
      return std::nullopt;
    }
    out.host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (after.starts_with(':')) {
      port_text = after.substr(1);
    } else if (!after.empty()) {
      why = "unexpected text after ']' in the URL's host";
      return std::nullopt;
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty() || authority.find('@') != std::string_view::npos) {
    why = "the URL needs a host (and no user info)";
    return std::nullopt;
  }
  if (port_text.data() != nullptr) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      why = "bad port in the URL: '" + std::string(port_text) + "'";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  // botocore's Host: the port only when it is not the scheme's default.
  out.host_header = out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  if (out.port != 80) out.host_header += ":" + std::to_string(out.port);
  return out;
}

}  // namespace mfrelay::relay
