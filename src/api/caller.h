// Who makes a request, as authentication established it (auth_tokens.h).
#pragma once

#include <string>

namespace strata::api {

struct Caller {
  // The authenticated user; empty when the request carried no token.
  std::string user;
  // The server itself (lessor, lock service...): never permission checked.
  bool internal = false;
  static Caller Internal() { return Caller{"", true}; }
};

}  // namespace strata::api
