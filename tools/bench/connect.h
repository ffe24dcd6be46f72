// gRPC channels to the endpoints: one TCP connection per channel, plain or TLS.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "options.h"

namespace strata::bench {

struct Connection {
  std::string endpoint;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
};

// Opens `count` channels, channel i to endpoint i mod #endpoints, and waits up
// to `wait` for each to connect. Unavailable naming every endpoint that did
// not connect (endpoints beyond the count are probed too); InvalidArgument
// if a TLS file cannot be read.
Result<std::vector<Connection>> Connect(const Options& options, int count,
                                        std::chrono::milliseconds wait);

}  // namespace strata::bench
