// CRC-32C (Castagnoli), the checksum etcd's HashKV uses. Internal to kv.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::kv {

// The CRC-32C of data appended to a stream whose CRC-32C was crc
// (start from 0).
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace strata::kv
