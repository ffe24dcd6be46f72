// Version strings reported by strata-server.
#pragma once

#include <string_view>

namespace strata::server {

// Strata's own release version (`strata-server --version`).
inline constexpr std::string_view kStrataVersion = "0.1.0-dev";

// The etcd release whose v3 API the server speaks (etcd 3.4 wire format plus
// the 3.5 additions in proto/etcd); reported where etcd reports its version.
inline constexpr std::string_view kEtcdApiVersion = "3.5.0";

}  // namespace strata::server
