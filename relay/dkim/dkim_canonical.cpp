#include "relay/dkim/dkim_canonical.hpp"

#include "policy/ascii.hpp"

namespace mfrelay::relay::dkim {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string relaxed_header(std::string_view field) {
  std::size_t colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
  std::string out;
  out.reserve(field.size());
  for (char c : name) {
    if (!is_wsp(c)) out += policy::ascii_lower(c);
  }
  out += ':';
  bool space = false;
  bool started = false;
  for (char c : value) {
    if (c == '\r' || c == '\n' || is_wsp(c)) {  // unfold: CRLF goes, the WSP after it counts as a run
      space = true;
      continue;
    }
    if (space && started) out += ' ';
    space = false;
    started = true;
    out += c;
  }
  out += "\r\n";
  return out;
}

void relaxed_body_hash::emit_content(char c) {
  if (!line_has_content_) {
    for (; empty_lines_ > 0; --empty_lines_) out_ += "\r\n";  // they were inside the body after all
    line_has_content_ = true;
  }
  if (pending_space_) out_ += ' ';
  pending_space_ = false;
  out_ += c;
}

void relaxed_body_hash::end_line() {
  if (line_has_content_) {
    out_ += "\r\n";
  } else {
    ++empty_lines_;  // a line of only spaces is empty too, once its trailing space goes
  }
  line_has_content_ = false;
  pending_space_ = false;
}

void relaxed_body_hash::feed(std::string_view body) {
  for (char c : body) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        end_line();
        continue;
      }
      emit_content('\r');  // a lone CR is content
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else if (is_wsp(c)) {
      pending_space_ = true;
    } else {
      emit_content(c);
    }
  }
  if (out_.size() >= 16 * 1024) {
    hash_.update(out_);
    out_.clear();
  }
}

sha256::digest relaxed_body_hash::finish() {
  if (pending_cr_) emit_content('\r');
  pending_cr_ = false;
  if (line_has_content_) out_ += "\r\n";  // a last line without CRLF gets one; trailing empty lines go
  hash_.update(out_);
  out_.clear();
  return hash_.finish();
}

}  // namespace mfrelay::relay::dkim
