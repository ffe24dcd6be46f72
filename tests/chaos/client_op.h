// One client operation of the chaos workload: a strata::check::Call sent as
// one etcd RPC (no retries, so the history says exactly what was sent) and
// its outcome classified for the checker.
//
// Classification: a reply is kOk; an error the server gives before a write
// can be proposed (invalid argument, permission denied, unauthenticated)
// is kFail; every other error of a write (deadline, unavailable, reset,
// unknown) is kInfo: the write may still apply. A failed get is kFail
// (it observed nothing).
//
// Thread-safety: free functions; the stubs are safe from any thread.
#pragma once

#include <chrono>
#include <string>

#include "tests/chaos/stubs.h"
#include "tools/check/event.h"
#include "tools/check/op.h"

namespace strata::chaos {

struct Outcome {
  check::EventType type = check::EventType::kInfo;  // kOk, kFail or kInfo.
  check::Reply reply;                               // kOk only.
  std::string error;                                // kFail and kInfo.
};

// Sends `call` (a linearizable Range for gets) with the given deadline.
Outcome Execute(Stubs& stubs, const check::Call& call, std::chrono::milliseconds timeout);

}  // namespace strata::chaos
