// CRC-32C for snapshot chunks: the same function as kv::Crc32c (which it
// falls back to), computed with the SSE4.2 crc32 instruction when the CPU
// has it, about 20 times faster than the byte-at-a-time table.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::node {

uint32_t TransportCrc32c(std::string_view data);

}  // namespace strata::node
