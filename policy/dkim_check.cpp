#include "policy/dkim_check.hpp"

#include "policy/ascii.hpp"

namespace mfrelay::policy {
namespace {

bool inconclusive(dns_outcome o) {
  return o == dns_outcome::servfail || o == dns_outcome::refused || o == dns_outcome::timeout ||
         o == dns_outcome::bad_response;
}

}  // namespace

std::string dkim_record_key(std::string_view text) {
  std::string key;
  bool first = true;
  while (!text.empty()) {
    const std::size_t semi = text.find(';');
    std::string_view tag = ascii_trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    const std::size_t eq = tag.find('=');
    if (eq == std::string_view::npos) {
      if (!tag.empty()) return {};  // not a tag list
      continue;
    }
    const std::string_view name = ascii_trim(tag.substr(0, eq)), value = ascii_trim(tag.substr(eq + 1));
    // v=, when present, must come first and be DKIM1 (RFC 6376 3.6.1).
    if (name == "v" && (!first || value != "DKIM1")) return {};
    first = false;
    if (name != "p") continue;
    key.clear();
    for (char c : value) {
      if (!ascii_space(c)) key.push_back(c);
    }
  }
  return key;
}

mail_from_evidence evaluate_dkim(const std::vector<std::string>& names, const std::vector<txt_answer>& answers,
                                 std::string_view public_key) {
  mail_from_evidence e;
  e.spf_reason = "not checked for DKIM";
  if (names.empty() || names.size() != answers.size()) {
    e.result = check_result::fail;
    e.reason = "no DKIM tokens";
    return e;
  }
  std::string failed, troubled;
  auto add = [](std::string& list, std::string_view item) {
    if (!list.empty()) list += "; ";
    list += item;
  };
  for (std::size_t i = 0; i < names.size(); ++i) {
    const txt_answer& a = answers[i];
    const std::string name = printable(names[i]);
    if (inconclusive(a.outcome)) {
      add(troubled, name + ": " + std::string(to_string(a.outcome)));
      continue;
    }
    if (a.outcome != dns_outcome::ok) {
      add(failed, name + ": " + std::string(a.outcome == dns_outcome::nxdomain ? "NXDOMAIN" : "no TXT record"));
      continue;
    }
    bool ours = false, any_key = false;
    for (const auto& text : a.texts) {
      const std::string key = dkim_record_key(text);
      if (key.empty()) continue;
      any_key = true;
      if (key == public_key) ours = true;
    }
    if (!ours) add(failed, name + (any_key ? ": another public key" : ": no DKIM key record"));
  }
  if (!troubled.empty()) {
    e.result = check_result::inconclusive;
    e.reason = "inconclusive: " + troubled + (failed.empty() ? "" : "; " + failed);
  } else if (!failed.empty()) {
    e.result = check_result::fail;
    e.reason = failed;
  } else {
    e.result = check_result::pass;
    e.reason = "all " + std::to_string(names.size()) + " DKIM records carry the key";
  }
  return e;
}

std::vector<std::string> dkim_setting_selectors(std::string_view setting) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < setting.size();) {
    std::size_t end = setting.find(' ', at);
    if (end == std::string_view::npos) end = setting.size();
    if (end > at) out.emplace_back(setting.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

}  // namespace mfrelay::policy
