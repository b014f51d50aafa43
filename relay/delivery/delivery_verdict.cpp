#include "relay/delivery/delivery_verdict.hpp"

namespace mfrelay::relay {

const char* to_string(recipient_fate fate) {
  switch (fate) {
    case recipient_fate::delivered:
      return "delivered";
    case recipient_fate::deferred:
      return "deferred";
    case recipient_fate::bounced:
      return "bounced";
  }
  return "?";
}

const char* postfix_status(recipient_fate fate) {
  return fate == recipient_fate::delivered ? "sent" : to_string(fate);
}

}  // namespace mfrelay::relay
