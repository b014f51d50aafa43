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

}  // namespace mfrelay::relay
