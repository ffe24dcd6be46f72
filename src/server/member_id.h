// etcd-compatible member and cluster ids.
//
// etcd derives ids from the bootstrap configuration so that every member of a
// new cluster computes the same ids without talking to the others. Source:
// etcd 3.4 etcdserver/api/membership/member.go newMember() and cluster.go
// genID(); etcd 3.5 moved the member part into computeMemberId() in
// server/etcdserver/api/membership/member.go without changing it:
//
//   member id  = first 8 bytes, big-endian, of
//                SHA-1( join(sorted(peer URL strings), "") + cluster token )
//   cluster id = first 8 bytes, big-endian, of
//                SHA-1( concat(big-endian 8-byte member ids, sorted ascending) )
//
// Peer URL strings are in Go's url.String() form, which Url::ToString()
// reproduces ("http://10.0.0.1:2380"). etcd appends a timestamp for members
// added at runtime (MemberAdd); bootstrap members have none, and neither do
// these functions. With etcd's defaults (one member "default" at
// http://localhost:2380, token "etcd-cluster") they give member id
// 8e9e05c52164694d and cluster id cdf818194e3a8c32, as etcd logs.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace strata::server {

// The id of a member with these peer URLs (any order) in a cluster bootstrapped
// with `cluster_token` (--initial-cluster-token).
uint64_t EtcdMemberId(std::span<const std::string> peer_urls, std::string_view cluster_token);

// The id of a cluster bootstrapped with these member ids (any order).
uint64_t EtcdClusterId(std::span<const uint64_t> member_ids);

// Lower-case hex without leading zeros, as etcd prints ids (types.ID.String).
std::string FormatId(uint64_t id);

}  // namespace strata::server
