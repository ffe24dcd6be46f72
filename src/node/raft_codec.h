// Conversion between the Raft core's value types (raft/types.h) and their
// wire form (proto/strata/raft.proto, package strata.raftpb).
//
// Encoding cannot fail. Decoding guards the representation only: unknown
// enum values, a snapshot on a message type that carries none (or none on
// MSG_SNAPSHOT), entries on a type other than MSG_APPEND and zero node ids
// in a membership give kInvalidArgument. Semantics (terms, indexes,
// recipients) are the raft core's to check in Raft::step().
//
// Thread-safety: pure functions.
#pragma once

#include "base/status.h"
#include "raft/types.h"
#include "strata/raft.pb.h"

namespace strata::node {

void EncodeEntry(const raft::Entry& in, raftpb::Entry* out);
// Moves the entry's data instead of copying it.
void EncodeEntry(raft::Entry&& in, raftpb::Entry* out);
Result<raft::Entry> DecodeEntry(const raftpb::Entry& in);
// Moves the data out of `in` (left valid but unspecified).
Result<raft::Entry> DecodeEntry(raftpb::Entry&& in);

void EncodeConfState(const raft::ConfState& in, raftpb::ConfState* out);
Result<raft::ConfState> DecodeConfState(const raftpb::ConfState& in);

void EncodeSnapshotMetadata(const raft::SnapshotMetadata& in, raftpb::SnapshotMetadata* out);
Result<raft::SnapshotMetadata> DecodeSnapshotMetadata(const raftpb::SnapshotMetadata& in);

void EncodeSnapshot(const raft::Snapshot& in, raftpb::Snapshot* out);
Result<raft::Snapshot> DecodeSnapshot(const raftpb::Snapshot& in);

// What EncodeMessage does with a kSnapshot message's image.
enum class SnapshotData {
  kInclude,  // Copy snapshot.data into the wire message.
  kOmit,     // Metadata only: the image travels separately (SendSnapshot).
};

void EncodeMessage(const raft::Message& in, raftpb::Message* out,
                   SnapshotData data = SnapshotData::kInclude);
// Moves entry data and the context instead of copying them; `in` is left
// valid but unspecified.
void EncodeMessage(raft::Message&& in, raftpb::Message* out,
                   SnapshotData data = SnapshotData::kInclude);
Result<raft::Message> DecodeMessage(const raftpb::Message& in);
// As above, moving entry data, the context and the snapshot image out of
// `in` (left valid but unspecified).
Result<raft::Message> DecodeMessage(raftpb::Message&& in);

}  // namespace strata::node
