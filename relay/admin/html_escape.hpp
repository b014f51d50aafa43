// HTML escaping for the web console's server-rendered pages (admin_console,
// console_pages): every value that reaches a page goes through it. Pure, any
// thread. The text is anything: identity names, DNS evidence, client input.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::relay {

// `text` safe inside element content and inside a double- or single-quoted
// attribute value: & < > " ' become character references.
std::string html_escape(std::string_view text);

}  // namespace mfrelay::relay
