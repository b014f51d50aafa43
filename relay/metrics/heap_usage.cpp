#include "relay/metrics/heap_usage.hpp"

#include <malloc.h>

namespace mfrelay::relay {

std::uint64_t heap_allocated_bytes() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

}  // namespace mfrelay::relay
