#include "policy/mail_from_check.hpp"

#include "policy/domain_name.hpp"

namespace mfrelay::policy {
namespace {

bool inconclusive(dns_outcome outcome) {
  return outcome == dns_outcome::servfail || outcome == dns_outcome::refused || outcome == dns_outcome::timeout ||
         outcome == dns_outcome::bad_response;
}

// Splits on spaces; SPF terms are space-separated (RFC 7208 4.6.1).
std::vector<std::string_view> terms(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto space = text.find(' ');
    if (space != 0) out.push_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

bool is_spf(std::string_view text) {
  auto t = terms(text);
  if (t.empty() || t[0].size() != 6) return false;
  return normalize_domain(t[0]) == "v=spf1";
}

void judge_spf(const txt_answer& txt, std::string_view include, mail_from_evidence& out) {
  if (inconclusive(txt.outcome)) {
    out.spf = spf_status::unknown;
    out.spf_reason = "TXT lookup: " + std::string(to_string(txt.outcome));
    return;
  }
  std::vector<std::string_view> spf;
  for (const auto& text : txt.texts) {
    if (is_spf(text)) spf.push_back(text);
  }
  if (spf.empty()) {
    out.spf = spf_status::missing;
    out.spf_reason = "no v=spf1 TXT record";
    return;
  }
  if (spf.size() > 1) {
    out.spf = spf_status::wrong;
    out.spf_reason = std::to_string(spf.size()) + " v=spf1 records (RFC 7208 allows one)";
    return;
  }
  std::string wanted = "include:" + normalize_domain(include);
  for (auto term : terms(spf[0])) {
    if (normalize_domain(term) == wanted || normalize_domain(term) == "+" + wanted) {
      out.spf = spf_status::ok;
      out.spf_reason = printable(spf[0]);
      return;
    }
  }
  out.spf = spf_status::wrong;
  out.spf_reason = "\"" + printable(spf[0]) + "\" lacks " + wanted;
}

}  // namespace

std::string_view to_string(dns_outcome outcome) {
  switch (outcome) {
    case dns_outcome::ok: return "ok";
    case dns_outcome::nxdomain: return "nxdomain";
    case dns_outcome::nodata: return "nodata";
    case dns_outcome::servfail: return "servfail";
    case dns_outcome::refused: return "refused";
    case dns_outcome::timeout: return "timeout";
    case dns_outcome::bad_response: return "bad_response";
  }
  return "bad_response";
}

std::string_view to_string(spf_status status) {
  switch (status) {
    case spf_status::ok: return "ok";
    case spf_status::missing: return "missing";
    case spf_status::wrong: return "wrong";
    case spf_status::unknown: return "unknown";
  }
  return "unknown";
}

std::string describe(const std::vector<mx_record>& records) {
  std::string out;
  for (const auto& r : records) {
    if (!out.empty()) out += ", ";
    out += std::to_string(r.preference) + ' ' + printable(r.exchange);
  }
  return out;
}

std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xf];
    }
  }
  return out;
}

mail_from_evidence evaluate_mail_from(const mx_answer& mx, const txt_answer& txt, std::string_view expected_exchange,
                                      std::string_view spf_include) {
  mail_from_evidence out;
  judge_spf(txt, spf_include, out);
  const std::string expected = normalize_domain(expected_exchange);
  if (inconclusive(mx.outcome)) {
    out.result = check_result::inconclusive;
    out.reason = "MX lookup inconclusive: " + std::string(to_string(mx.outcome));
  } else if (mx.outcome == dns_outcome::nxdomain) {
    out.result = check_result::fail;
    out.reason = "the domain does not exist (NXDOMAIN)";
  } else if (mx.outcome == dns_outcome::nodata || mx.records.empty()) {
    out.result = check_result::fail;
    out.reason = "no MX record";
  } else if (mx.records.size() != 1) {
    out.result = check_result::fail;
    out.reason = std::to_string(mx.records.size()) + " MX records (exactly one is required): " + describe(mx.records);
  } else if (normalize_domain(mx.records[0].exchange) != expected) {
    out.result = check_result::fail;
    out.reason = "the MX points to " + printable(normalize_domain(mx.records[0].exchange)) + ", not " + expected;
  } else {
    out.result = check_result::pass;
    out.reason = "exactly one MX: " + describe(mx.records);
  }
  return out;
}

}  // namespace mfrelay::policy
