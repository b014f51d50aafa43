// The envelope as it is stored in a spool file: one JSON object and a newline.
// Any thread. Parsing reads spool files, which a crash or a disk can damage:
// anything not exactly in shape is rejected, never guessed at.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

// Strings are kept byte for byte, even when they are not UTF-8.
std::string envelope_to_json(const envelope& e);

// nullopt when the text is not an envelope this version wrote.
std::optional<envelope> envelope_from_json(std::string_view text);

}  // namespace mfrelay::relay
