#include "server/member_id.h"

#include <openssl/sha.h>

#include <algorithm>
#include <vector>

namespace strata::server {

namespace {

uint64_t FirstEightBytesBigEndian(const unsigned char (&digest)[SHA_DIGEST_LENGTH]) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}

uint64_t Sha1Prefix(const std::string& bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return FirstEightBytesBigEndian(digest);
}

}  // namespace

uint64_t EtcdMemberId(std::span<const std::string> peer_urls, std::string_view cluster_token) {
  std::vector<std::string> sorted(peer_urls.begin(), peer_urls.end());
  std::sort(sorted.begin(), sorted.end());
  std::string input;
  for (const std::string& url : sorted) input += url;
  input += cluster_token;
  return Sha1Prefix(input);
}

uint64_t EtcdClusterId(std::span<const uint64_t> member_ids) {
  std::vector<uint64_t> sorted(member_ids.begin(), member_ids.end());
  std::sort(sorted.begin(), sorted.end());
  std::string input;
  for (uint64_t id : sorted) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      input.push_back(static_cast<char>((id >> shift) & 0xff));
    }
  }
  return Sha1Prefix(input);
}

std::string FormatId(uint64_t id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[id & 0xf]);
    id >>= 4;
  } while (id != 0);
  return out;
}

}  // namespace strata::server
