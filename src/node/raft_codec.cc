#include "node/raft_codec.h"

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace strata::node {
namespace {

template <typename E>
void EncodeEntryImpl(E&& in, raftpb::Entry* out) {
  out->set_term(in.term.value());
  out->set_index(in.index.value());
  out->set_type(static_cast<raftpb::EntryType>(in.type));
  if constexpr (std::is_rvalue_reference_v<E&&>) {
    out->set_data(std::move(in.data));
  } else {
    out->set_data(in.data);
  }
}

template <typename P>
Result<raft::Entry> DecodeEntryImpl(P&& in) {
  if (!raftpb::EntryType_IsValid(in.type())) {
    return Status::InvalidArgument("entry has unknown type " + std::to_string(in.type()));
  }
  raft::Entry e;
  e.term = raft::Term(in.term());
  e.index = raft::Index(in.index());
  e.type = static_cast<raft::EntryType>(in.type());
  if constexpr (std::is_rvalue_reference_v<P&&>) {
    e.data = std::move(*in.mutable_data());
  } else {
    e.data = in.data();
  }
  return e;
}

void EncodeIds(const std::vector<raft::NodeId>& ids,
               google::protobuf::RepeatedField<uint64_t>* out) {
  out->Reserve(static_cast<int>(ids.size()));
  for (raft::NodeId id : ids) out->Add(id.value());
}

Status DecodeIds(const google::protobuf::RepeatedField<uint64_t>& ids, const char* what,
                 std::vector<raft::NodeId>* out) {
  out->reserve(ids.size());
  for (uint64_t id : ids) {
    if (id == 0) return Status::InvalidArgument(std::string("membership lists node 0 in ") + what);
    out->emplace_back(id);
  }
  return Status::Ok();
}

template <typename M>
void EncodeMessageImpl(M&& in, raftpb::Message* out, SnapshotData data) {
  constexpr bool kMove = std::is_rvalue_reference_v<M&&>;
  out->set_type(static_cast<raftpb::MessageType>(in.type));
  out->set_range(in.range.value());
  out->set_from(in.from.value());
  out->set_to(in.to.value());
  out->set_term(in.term.value());
  out->set_log_term(in.log_term.value());
  out->set_index(in.index.value());
  out->mutable_entries()->Reserve(static_cast<int>(in.entries.size()));
  for (auto& e : in.entries) {
    if constexpr (kMove) {
      EncodeEntry(std::move(e), out->add_entries());
    } else {
      EncodeEntry(e, out->add_entries());
    }
  }
  out->set_commit(in.commit.value());
  out->set_reject(in.reject);
  out->set_reject_hint(in.reject_hint.value());
  if constexpr (kMove) {
    out->set_context(std::move(in.context));
  } else {
    out->set_context(in.context);
  }
  if (in.snapshot != nullptr) {
    raftpb::Snapshot* s = out->mutable_snapshot();
    EncodeSnapshotMetadata(in.snapshot->metadata, s->mutable_metadata());
    // The image is shared (const) even when the message is an rvalue.
    if (data == SnapshotData::kInclude) s->set_data(in.snapshot->data);
  }
}

template <typename P>
Result<raft::Message> DecodeMessageImpl(P&& in) {
  constexpr bool kMove = std::is_rvalue_reference_v<P&&>;
  if (!raftpb::MessageType_IsValid(in.type())) {
    return Status::InvalidArgument("message has unknown type " + std::to_string(in.type()));
  }
  raft::Message m;
  m.type = static_cast<raft::MessageType>(in.type());
  if (in.has_snapshot() != (m.type == raft::MessageType::kSnapshot)) {
    return Status::InvalidArgument(
        std::string(raft::MessageTypeName(m.type)) +
        (in.has_snapshot() ? " carries a snapshot" : " lacks a snapshot"));
  }
  if (in.entries_size() > 0 && m.type != raft::MessageType::kAppend) {
    return Status::InvalidArgument(std::string(raft::MessageTypeName(m.type)) + " carries entries");
  }
  m.range = raft::RangeId(in.range());
  m.from = raft::NodeId(in.from());
  m.to = raft::NodeId(in.to());
  m.term = raft::Term(in.term());
  m.log_term = raft::Term(in.log_term());
  m.index = raft::Index(in.index());
  m.entries.reserve(in.entries_size());
  for (int i = 0; i < in.entries_size(); ++i) {
    Result<raft::Entry> e = [&] {
      if constexpr (kMove) {
        return DecodeEntry(std::move(*in.mutable_entries(i)));
      } else {
        return DecodeEntry(in.entries(i));
      }
    }();
    if (!e.ok()) return e.status();
    m.entries.push_back(std::move(*e));
  }
  m.commit = raft::Index(in.commit());
  m.reject = in.reject();
  m.reject_hint = raft::Index(in.reject_hint());
  if constexpr (kMove) {
    m.context = std::move(*in.mutable_context());
  } else {
    m.context = in.context();
  }
  if (in.has_snapshot()) {
    auto md = DecodeSnapshotMetadata(in.snapshot().metadata());
    if (!md.ok()) return md.status();
    auto snap = std::make_shared<raft::Snapshot>();
    snap->metadata = std::move(*md);
    if constexpr (kMove) {
      snap->data = std::move(*in.mutable_snapshot()->mutable_data());
    } else {
      snap->data = in.snapshot().data();
    }
    m.snapshot = std::move(snap);
  }
  return m;
}

}  // namespace

void EncodeEntry(const raft::Entry& in, raftpb::Entry* out) { EncodeEntryImpl(in, out); }
void EncodeEntry(raft::Entry&& in, raftpb::Entry* out) { EncodeEntryImpl(std::move(in), out); }

Result<raft::Entry> DecodeEntry(const raftpb::Entry& in) { return DecodeEntryImpl(in); }
Result<raft::Entry> DecodeEntry(raftpb::Entry&& in) { return DecodeEntryImpl(std::move(in)); }

void EncodeConfState(const raft::ConfState& in, raftpb::ConfState* out) {
  EncodeIds(in.voters, out->mutable_voters());
  EncodeIds(in.learners, out->mutable_learners());
  EncodeIds(in.voters_outgoing, out->mutable_voters_outgoing());
  EncodeIds(in.learners_next, out->mutable_learners_next());
  out->set_auto_leave(in.auto_leave);
}

Result<raft::ConfState> DecodeConfState(const raftpb::ConfState& in) {
  raft::ConfState cs;
  STRATA_RETURN_IF_ERROR(DecodeIds(in.voters(), "voters", &cs.voters));
  STRATA_RETURN_IF_ERROR(DecodeIds(in.learners(), "learners", &cs.learners));
  STRATA_RETURN_IF_ERROR(DecodeIds(in.voters_outgoing(), "voters_outgoing", &cs.voters_outgoing));
  STRATA_RETURN_IF_ERROR(DecodeIds(in.learners_next(), "learners_next", &cs.learners_next));
  cs.auto_leave = in.auto_leave();
  return cs;
}

void EncodeSnapshotMetadata(const raft::SnapshotMetadata& in, raftpb::SnapshotMetadata* out) {
  out->set_index(in.index.value());
  out->set_term(in.term.value());
  EncodeConfState(in.conf_state, out->mutable_conf_state());
}

Result<raft::SnapshotMetadata> DecodeSnapshotMetadata(const raftpb::SnapshotMetadata& in) {
  auto cs = DecodeConfState(in.conf_state());
  if (!cs.ok()) return cs.status();
  return raft::SnapshotMetadata{raft::Index(in.index()), raft::Term(in.term()), std::move(*cs)};
}

void EncodeSnapshot(const raft::Snapshot& in, raftpb::Snapshot* out) {
  EncodeSnapshotMetadata(in.metadata, out->mutable_metadata());
  out->set_data(in.data);
}

Result<raft::Snapshot> DecodeSnapshot(const raftpb::Snapshot& in) {
  auto md = DecodeSnapshotMetadata(in.metadata());
  if (!md.ok()) return md.status();
  return raft::Snapshot{std::move(*md), in.data()};
}

void EncodeMessage(const raft::Message& in, raftpb::Message* out, SnapshotData data) {
  EncodeMessageImpl(in, out, data);
}

void EncodeMessage(raft::Message&& in, raftpb::Message* out, SnapshotData data) {
  EncodeMessageImpl(std::move(in), out, data);
}

Result<raft::Message> DecodeMessage(const raftpb::Message& in) { return DecodeMessageImpl(in); }
Result<raft::Message> DecodeMessage(raftpb::Message&& in) {
  return DecodeMessageImpl(std::move(in));
}

}  // namespace strata::node
