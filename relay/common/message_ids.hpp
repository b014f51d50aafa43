// Fresh message ids (policy::make_message_id) from the wall clock and
// OpenSSL's random generator, and short random session ids. Any thread.
#pragma once
#include <string>

namespace mfrelay::relay {

std::string new_message_id();

// 16 hex digits, for logs and events.
std::string new_session_id();

}  // namespace mfrelay::relay
