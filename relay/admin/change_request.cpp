#include "relay/admin/change_request.hpp"

#include "relay/admin/api_error.hpp"
#include "relay/admin/identity_change_rules.hpp"

namespace mfrelay::relay {

std::string describe_errors(const std::vector<policy::config_error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.where.file.empty() ? e.message : to_string(e);
  }
  return out;
}

std::string without_paths(std::string_view text) {
  // A path starts with '/' where a word starts; it ends at white space or a
  // quote or bracket closing it. Its folders go, its last component stays.
  auto starts_word = [](char c) { return c == ' ' || c == '\'' || c == '"' || c == '(' || c == '<' || c == '[' || c == '='; };
  auto ends_word = [](char c) { return c == ' ' || c == '\'' || c == '"' || c == ')' || c == '>' || c == ']' || c == ','; };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '/' && (i == 0 || starts_word(text[i - 1]))) {
      std::size_t end = i;
      while (end < text.size() && !ends_word(text[end])) ++end;
      std::size_t last = text.substr(i, end - i).rfind('/');
      i += last + 1;
      continue;
    }
    out += text[i++];
  }
  return out;
}

boost::asio::awaitable<void> request_change(admin_backend& backend, identity_change change, std::string error_code) {
  std::vector<std::string> broken = change_rule_errors(backend.config()->identities, change);
  if (!broken.empty()) {
    std::string message;
    for (const auto& m : broken) message += (message.empty() ? "" : "; ") + m;
    throw api_error(400, error_code, without_paths(message));
  }
  std::vector<policy::config_error> refused = co_await backend.change(std::move(change));
  if (!refused.empty()) {
    std::string full = describe_errors(refused);
    api_error e(400, error_code, without_paths(full));
    e.detail = std::move(full);
    throw e;
  }
}

boost::asio::awaitable<void> request_dkim_enabled(admin_backend& backend, const policy::identity& id, bool enabled,
                                                  std::string error_code) {
  if (id.dkim == enabled) co_return;
  identity_change change;
  change.what = identity_change::kind::set_dkim;
  change.identity = id.name;
  change.dkim_enabled = enabled;
  co_await request_change(backend, std::move(change), std::move(error_code));
}

}  // namespace mfrelay::relay
