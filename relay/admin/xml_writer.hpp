// A minimal XML writer for SES v1 (query protocol) responses. Pure, any thread.
// Text may be client input: always escaped (& < > " '), and the control characters
// XML 1.0 cannot carry become U+FFFD, so the document always parses.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

// XML character data and attribute values: & < > " ' escaped, and the control
// characters XML 1.0 cannot carry in any form (all below 0x20 but tab, LF and
// CR, and DEL) replaced by U+FFFD.
std::string xml_escape(std::string_view text);

class xml_writer {
 public:
  // Starts the document with `<?xml ...?>` and the root element in `xmlns`.
  xml_writer(std::string_view root, std::string_view xmlns);

  xml_writer& open(std::string_view name);
  xml_writer& close();
  // <name>text</name>
  xml_writer& element(std::string_view name, std::string_view text);
  // <name/>
  xml_writer& empty(std::string_view name);

  // Closes every open element and returns the document.
  std::string finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace mfrelay::relay
