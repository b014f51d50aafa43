#include "policy/dmarc_record.hpp"

#include "policy/ascii.hpp"

namespace mfrelay::policy {
namespace {

struct tag {
  std::string name;  // lower case
  std::string_view value;
};

// "v=DMARC1; p=reject" -> {v, DMARC1}, {p, reject}. A part without '=' is
// kept with an empty name, so the caller can refuse a record whose first
// part is not a tag.
std::vector<tag> split_tags(std::string_view text) {
  std::vector<tag> tags;
  while (!text.empty()) {
    std::size_t end = text.find(';');
    std::string_view part = ascii_trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      tags.push_back({"", part});
      continue;
    }
    tags.push_back({ascii_lowered(ascii_trim(part.substr(0, eq))), ascii_trim(part.substr(eq + 1))});
  }
  return tags;
}

std::optional<dmarc_policy> policy_of(std::string_view v) {
  if (ascii_iequals(v, "none")) return dmarc_policy::none;
  if (ascii_iequals(v, "quarantine")) return dmarc_policy::quarantine;
  if (ascii_iequals(v, "reject")) return dmarc_policy::reject;
  return std::nullopt;
}

std::optional<dmarc_alignment> alignment_of(std::string_view v) {
  if (ascii_iequals(v, "r")) return dmarc_alignment::relaxed;
  if (ascii_iequals(v, "s")) return dmarc_alignment::strict;
  return std::nullopt;
}

std::optional<unsigned> percent_of(std::string_view v) {
  if (v.empty() || v.size() > 3) return std::nullopt;
  unsigned n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (n > 100) return std::nullopt;
  return n;
}

// rua=mailto:a@example.com,https://... : at least one URI with a scheme.
bool has_reporting_uri(std::string_view v) {
  while (!v.empty()) {
    std::size_t end = v.find(',');
    std::string_view uri = ascii_trim(v.substr(0, end));
    v = end == std::string_view::npos ? std::string_view{} : v.substr(end + 1);
    std::size_t colon = uri.find(':');
    if (colon != std::string_view::npos && colon > 0 && colon + 1 < uri.size()) return true;
  }
  return false;
}

bool starts_as_dmarc(std::string_view text) {
  std::vector<tag> tags = split_tags(text.substr(0, text.find(';')));
  return tags.size() == 1 && tags[0].name == "v" && ascii_iequals(tags[0].value, "DMARC1");
}

}  // namespace

std::string_view to_string(dmarc_policy p) {
  switch (p) {
    case dmarc_policy::none: return "none";
    case dmarc_policy::quarantine: return "quarantine";
    case dmarc_policy::reject: return "reject";
  }
  return "none";
}

std::string_view to_string(dmarc_alignment a) { return a == dmarc_alignment::strict ? "s" : "r"; }

std::optional<dmarc_record> parse_dmarc_record(std::string_view text) {
  std::vector<tag> tags = split_tags(text);
  if (tags.empty() || tags[0].name != "v" || !ascii_iequals(tags[0].value, "DMARC1")) return std::nullopt;
  dmarc_record r;
  r.text = std::string(ascii_trim(text));
  std::optional<dmarc_policy> p;
  std::optional<dmarc_policy> sp;
  bool sp_invalid = false;
  bool rua = false;
  for (std::size_t i = 1; i < tags.size(); ++i) {
    const tag& t = tags[i];
    if (t.name == "p") {
      p = policy_of(t.value);
    } else if (t.name == "sp") {
      sp = policy_of(t.value);
      sp_invalid = !sp;
    } else if (t.name == "adkim") {
      r.adkim = alignment_of(t.value).value_or(dmarc_alignment::relaxed);
    } else if (t.name == "aspf") {
      r.aspf = alignment_of(t.value).value_or(dmarc_alignment::relaxed);
    } else if (t.name == "pct") {
      r.pct = percent_of(t.value).value_or(100);
    } else if (t.name == "rua") {
      rua = has_reporting_uri(t.value);
    }
  }
  if (!p || sp_invalid) {
    if (!rua) return std::nullopt;
    r.p = dmarc_policy::none;
    r.sp = dmarc_policy::none;
    return r;
  }
  r.p = *p;
  r.sp = sp.value_or(*p);
  return r;
}

std::optional<dmarc_record> select_dmarc_record(const std::vector<std::string>& texts) {
  const std::string* found = nullptr;
  for (const auto& t : texts) {
    if (!starts_as_dmarc(t)) continue;
    if (found) return std::nullopt;
    found = &t;
  }
  if (!found) return std::nullopt;
  return parse_dmarc_record(*found);
}

}  // namespace mfrelay::policy
