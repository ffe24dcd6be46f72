// Mechanical wire-compatibility check between two protobuf schemas.
//
// `reference` is the schema we must interoperate with (etcd's own .proto
// files), `ours` the one we compile. Compatible means that every service,
// method, message, field, oneof and enum value of the reference exists in ours
// under the same full name with the same number, type, label and packing, and
// every method has the same input, output and streaming flags. Then any bytes
// one side writes parse on the other side with the same meaning, and gRPC
// method paths agree. Ours may add things (see Additions()); the reference's
// elements must all be present.
//
// Thread-safety: plain functions over immutable descriptors.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

namespace strata::protocompat {

// Each difference as one human-readable line naming the element, what ours
// has and what the reference has. Empty means compatible.
using Differences = std::vector<std::string>;

// Compares every top-level message, enum and service of `reference` with the
// element of the same full name in `ours_pool`.
Differences CompareFile(const google::protobuf::FileDescriptor& reference,
                        const google::protobuf::DescriptorPool& ours_pool);

// Compares one message (recursively: nested messages and enums, fields,
// oneofs).
Differences CompareMessage(const google::protobuf::Descriptor& reference,
                           const google::protobuf::Descriptor& ours);

Differences CompareEnum(const google::protobuf::EnumDescriptor& reference,
                        const google::protobuf::EnumDescriptor& ours);

Differences CompareService(const google::protobuf::ServiceDescriptor& reference,
                           const google::protobuf::ServiceDescriptor& ours);

// What `ours` defines that the reference does not: one line per message,
// field, enum, enum value, service or method, e.g. "field
// etcdserverpb.MemberListRequest.linearizable". Used to keep additions to an
// explicit, reviewed list.
std::vector<std::string> Additions(const google::protobuf::FileDescriptor& ours,
                                   const google::protobuf::DescriptorPool& reference_pool);

}  // namespace strata::protocompat
