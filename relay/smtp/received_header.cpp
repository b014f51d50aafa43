#include "relay/smtp/received_header.hpp"

#include <algorithm>

namespace mfrelay::relay::smtp {
namespace {

constexpr std::size_t fold_at = 78;

std::string one_word(std::string_view text, std::size_t max) {
  std::string out(text.substr(0, std::min(text.size(), max)));
  for (char& ch : out) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) ch = '?';
  }
  return out;
}

}  // namespace

std::string with_protocol(bool esmtp, bool tls, bool smtp_auth) {
  if (!esmtp && !tls && !smtp_auth) return "SMTP";
  std::string p = "ESMTP";
  if (tls) p += 'S';
  if (smtp_auth) p += 'A';
  return p;
}

std::string received_header(const received_fields& f) {
  std::vector<std::string> words;
  words.emplace_back("from");
  words.push_back(f.helo.empty() ? std::string("unknown") : one_word(f.helo, 255));
  std::string ip = one_word(f.client_ip, 64);
  words.push_back(ip.find(':') == std::string::npos ? "([" + ip + "])" : "([IPv6:" + ip + "])");
  words.emplace_back("by");
  words.push_back(one_word(f.hostname, 255));
  words.emplace_back("(mfrelay)");
  words.emplace_back("with");
  words.emplace_back(f.protocol);
  words.emplace_back("id");
  words.push_back(one_word(f.message_id, 255));
  if (f.recipients != nullptr && f.recipients->size() == 1) {
    // With several recipients, naming one would tell each who else got it.
    words.emplace_back("for");
    words.push_back("<" + one_word(f.recipients->front().str(), 512) + ">");
  }
  words.back() += ';';
  words.emplace_back(f.date);  // one unit: never folded inside the date

  std::string out = "Received:";
  std::size_t line_length = out.size();
  for (const std::string& w : words) {
    if (line_length + 1 + w.size() > fold_at && line_length > 1) {
      out += "\r\n\t";
      line_length = 1;
    } else {
      out += ' ';
      ++line_length;
    }
    out += w;
    line_length += w.size();
  }
  out += "\r\n";
  return out;
}

}  // namespace mfrelay::relay::smtp
