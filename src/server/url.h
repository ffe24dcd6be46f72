// URLs as etcd's flags use them: scheme://host:port, nothing else.
//
// Thread-safety: values.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strata::server {

struct Url {
  std::string scheme;  // "http" or "https", lower case.
  std::string host;    // Name or address as written; IPv6 without brackets.
  uint16_t port = 0;   // 1..65535.

  bool tls() const { return scheme == "https"; }
  // "host:port", IPv6 in brackets: what to bind or connect to.
  std::string HostPort() const;
  // "scheme://host:port": the canonical text, identical to what Go's
  // url.URL.String() gives for the same URL (member ids hash it).
  std::string ToString() const;
  // True for 0.0.0.0 and ::, which can be listened on but not advertised.
  bool unspecified_host() const;

  auto operator<=>(const Url&) const = default;
};

// Parses one URL. `flag` (e.g. "--listen-client-urls") names the source in
// errors. Accepts http and https, a host and a port; rejects other schemes,
// a missing or out-of-range port, user info, paths (even "/"), queries and
// fragments, like etcd.
Result<Url> ParseUrl(std::string_view flag, std::string_view text);

// Parses a comma-separated list of URLs, trimming blanks around each. At
// least one URL is required; the order is kept and duplicates are rejected.
Result<std::vector<Url>> ParseUrlList(std::string_view flag, std::string_view text);

// Joins URLs with commas, in the given order.
std::string JoinUrls(const std::vector<Url>& urls);

// One member of --initial-cluster.
struct InitialMember {
  std::string name;
  std::vector<Url> peer_urls;  // In the order they were listed.
  bool operator==(const InitialMember&) const = default;
};

// Parses etcd's --initial-cluster syntax: "name=url,name=url,...". A name may
// appear several times to give a member several peer URLs. Members are
// returned in order of first appearance. Errors: an entry without "=", an
// empty name, a bad URL, a URL listed twice (for the same or two members).
Result<std::vector<InitialMember>> ParseInitialCluster(std::string_view flag,
                                                       std::string_view text);

}  // namespace strata::server
