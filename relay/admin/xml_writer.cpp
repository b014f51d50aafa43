#include "relay/admin/xml_writer.hpp"

namespace mfrelay::relay {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': case '\n': case '\r': out += c; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += "\xEF\xBF\xBD";
        else out += c;
    }
  }
  return out;
}

xml_writer::xml_writer(std::string_view root, std::string_view xmlns) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  out_ += " xmlns=\"";
  out_ += xml_escape(xmlns);
  out_ += "\">";
  open_.emplace_back(root);
}

xml_writer& xml_writer::open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

xml_writer& xml_writer::close() {
  if (open_.empty()) return *this;
  out_ += "</" + open_.back() + '>';
  open_.pop_back();
  return *this;
}

xml_writer& xml_writer::element(std::string_view name, std::string_view text) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  out_ += xml_escape(text);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

xml_writer& xml_writer::empty(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += "/>";
  return *this;
}

std::string xml_writer::finish() {
  while (!open_.empty()) close();
  out_ += '\n';
  return std::move(out_);
}

}  // namespace mfrelay::relay
