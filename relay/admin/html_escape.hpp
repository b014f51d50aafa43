// HTML escaping for the web console's server-rendered pages (admin_console,
// console_pages): every value that reaches a page goes through it. Pure, any
// thread. The text is anything: identity names, DNS evidence, client input.
#pragma once
#include <string>
#include <string_view>

#include "relay/admin/xml_writer.hpp"

namespace mfrelay::relay {

// `text` safe inside element content and inside a double- or single-quoted
// attribute value: & < > " ' become character references (XML's five, which
// HTML5 knows too), control characters U+FFFD. The same rules as xml_escape.
inline std::string html_escape(std::string_view text) { return xml_escape(text); }

}  // namespace mfrelay::relay
