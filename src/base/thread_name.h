// Names the calling thread (as top, perf and gdb show it); at most 15
// characters survive, as Linux allows.
#pragma once

#include <pthread.h>

#include <string>

namespace strata {

inline void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace strata
