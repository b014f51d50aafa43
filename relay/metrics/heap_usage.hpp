// How much heap the process holds allocated right now (glibc's mallinfo2:
// bytes in use, mmapped chunks included), unlike RSS not blurred by what the
// allocator keeps cached after free(). A leak shows here first. Any thread.
#pragma once
#include <cstdint>

namespace mfrelay::relay {

std::uint64_t heap_allocated_bytes();

}  // namespace mfrelay::relay
