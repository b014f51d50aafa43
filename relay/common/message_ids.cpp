#include "relay/common/message_ids.hpp"

#include "policy/message_id.hpp"
#include "relay/common/clock.hpp"
#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay {

std::string new_message_id() { return policy::make_message_id(now(), random_bytes<16>()); }

std::string new_session_id() { return random_hex(8); }

}  // namespace mfrelay::relay
