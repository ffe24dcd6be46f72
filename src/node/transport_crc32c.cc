#include "node/transport_crc32c.h"

#include <cstring>

#include "kv/crc32c.h"

namespace strata::node {
namespace {

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t HardwareCrc32c(std::string_view data) {
  uint64_t crc = 0xffffffffu;
  const char* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = __builtin_ia32_crc32di(crc, word);
  }
  uint32_t crc32 = static_cast<uint32_t>(crc);
  for (; n > 0; ++p, --n) crc32 = __builtin_ia32_crc32qi(crc32, static_cast<uint8_t>(*p));
  return ~crc32;
}

bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t TransportCrc32c(std::string_view data) {
#if defined(__x86_64__)
  if (HasSse42()) return HardwareCrc32c(data);
#endif
  return kv::Crc32c(data);
}

}  // namespace strata::node
