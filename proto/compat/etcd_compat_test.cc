// Proves that Strata's etcd .proto files are wire-compatible with etcd's own.
//
// The reference is etcd 3.4's .proto files from Debian's golang-etcd-server-dev,
// stripped of gogoproto/google.api annotations and compiled by protoc into a
// FileDescriptorSet at build time (see proto/CMakeLists.txt). "Ours" is what
// is compiled into strata_proto (the generated descriptor pool), i.e. exactly
// what the server puts on the wire.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compat/descriptor_compat.h"
#include "etcd/authpb/auth.pb.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcd/mvccpb/kv.pb.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "etcd/v3electionpb/v3election.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.pb.h"

namespace strata::protocompat {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

struct FilePair {
  const char* reference;  // Name inside the reference descriptor set.
  const char* ours;       // Name inside strata_proto.
};

constexpr FilePair kFiles[] = {
    {"etcd/mvcc/mvccpb/kv.proto", "etcd/mvccpb/kv.proto"},
    {"etcd/auth/authpb/auth.proto", "etcd/authpb/auth.proto"},
    {"etcd/etcdserver/etcdserverpb/rpc.proto", "etcd/etcdserverpb/rpc.proto"},
    {"etcd/etcdserver/api/v3lock/v3lockpb/v3lock.proto", "etcd/v3lockpb/v3lock.proto"},
    {"etcd/etcdserver/api/v3election/v3electionpb/v3election.proto",
     "etcd/v3electionpb/v3election.proto"},
};

// What we define beyond etcd 3.4: etcd 3.5 additions that 3.4 clients never
// send and safely ignore. Anything else showing up here is a mistake.
const std::vector<std::string> kAllowedAdditions = {
    "method etcdserverpb.Maintenance.Downgrade",
    "method etcdserverpb.Auth.AuthStatus",
    "message etcdserverpb.DowngradeRequest",
    "message etcdserverpb.DowngradeResponse",
    "message etcdserverpb.AuthStatusRequest",
    "message etcdserverpb.AuthStatusResponse",
    "field etcdserverpb.MemberListRequest.linearizable",
    "field etcdserverpb.AuthUserAddRequest.hashedPassword",
    "field etcdserverpb.AuthUserChangePasswordRequest.hashedPassword",
};

// Static libraries only link the generated files something refers to; the
// generated pool can only find linked files. Touch one type per file.
void LinkAllGeneratedFiles() {
  (void)mvccpb::KeyValue::descriptor();
  (void)authpb::User::descriptor();
  (void)etcdserverpb::RangeRequest::descriptor();
  (void)v3lockpb::LockRequest::descriptor();
  (void)v3electionpb::CampaignRequest::descriptor();
}

class EtcdCompat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LinkAllGeneratedFiles();
    std::ifstream in(STRATA_ETCD_REFERENCE_DESCRIPTORS, std::ios::binary);
    ASSERT_TRUE(in) << "cannot open " << STRATA_ETCD_REFERENCE_DESCRIPTORS;
    std::stringstream bytes;
    bytes << in.rdbuf();
    reference_set_ = new pb::FileDescriptorSet;
    ASSERT_TRUE(reference_set_->ParseFromString(bytes.str()));
    reference_pool_ = new pb::DescriptorPool;
    // --include_imports orders dependencies first.
    for (const pb::FileDescriptorProto& f : reference_set_->file()) {
      ASSERT_NE(reference_pool_->BuildFile(f), nullptr) << f.name();
    }
    reference_factory_ = new pb::DynamicMessageFactory(reference_pool_);
  }

  static const pb::FileDescriptor& ReferenceFile(const char* name) {
    return Require(reference_pool_->FindFileByName(name), name);
  }
  static const pb::FileDescriptor& OurFile(const char* name) {
    return Require(pb::DescriptorPool::generated_pool()->FindFileByName(name), name);
  }
  // Files are looked up by fixed names; a missing one is a broken build.
  static const pb::FileDescriptor& Require(const pb::FileDescriptor* f, const char* name) {
    if (f == nullptr) {
      ADD_FAILURE() << "no file " << name;
      std::abort();
    }
    return *f;
  }

  // A reference (etcd) message of the given full name.
  static std::unique_ptr<pb::Message> NewReference(const std::string& full_name) {
    const pb::Descriptor* d = reference_pool_->FindMessageTypeByName(full_name);
    EXPECT_NE(d, nullptr) << full_name;
    return std::unique_ptr<pb::Message>(reference_factory_->GetPrototype(d)->New());
  }

  static pb::FileDescriptorSet* reference_set_;
  static pb::DescriptorPool* reference_pool_;
  static pb::DynamicMessageFactory* reference_factory_;
};

pb::FileDescriptorSet* EtcdCompat::reference_set_ = nullptr;
pb::DescriptorPool* EtcdCompat::reference_pool_ = nullptr;
pb::DynamicMessageFactory* EtcdCompat::reference_factory_ = nullptr;

// --- Schema comparison -----------------------------------------------------

TEST_F(EtcdCompat, ReferenceSetHoldsTheExpectedFiles) {
  for (const FilePair& p : kFiles) {
    EXPECT_NE(reference_pool_->FindFileByName(p.reference), nullptr) << p.reference;
  }
  // Sanity: the reference is non-trivial (etcd 3.4 defines 6 services in rpc.proto).
  EXPECT_EQ(ReferenceFile("etcd/etcdserver/etcdserverpb/rpc.proto").service_count(), 6);
}

TEST_F(EtcdCompat, EveryReferenceElementMatches) {
  int messages = 0, methods = 0;
  for (const FilePair& p : kFiles) {
    const pb::FileDescriptor& ref = ReferenceFile(p.reference);
    const pb::FileDescriptor& ours = OurFile(p.ours);
    EXPECT_EQ(ours.package(), ref.package()) << p.ours;
    EXPECT_THAT(CompareFile(ref, *pb::DescriptorPool::generated_pool()), IsEmpty()) << p.ours;
    messages += ref.message_type_count();
    for (int i = 0; i < ref.service_count(); ++i) methods += ref.service(i)->method_count();
  }
  // Guard against comparing nothing (e.g. a stripped-empty reference).
  EXPECT_GT(messages, 100);
  EXPECT_GT(methods, 40);
}

TEST_F(EtcdCompat, AdditionsAreExactlyTheAllowedEtcd35Ones) {
  std::vector<std::string> added;
  for (const FilePair& p : kFiles) {
    std::vector<std::string> a = Additions(OurFile(p.ours), *reference_pool_);
    added.insert(added.end(), a.begin(), a.end());
  }
  EXPECT_THAT(added, UnorderedElementsAreArray(kAllowedAdditions));
}

// The etcd 3.5 additions are not in the 3.4 reference; pin their numbers to
// etcd 3.5's api/etcdserverpb/rpc.proto by hand.
TEST_F(EtcdCompat, Etcd35AdditionsUseEtcdNumbers) {
  const pb::DescriptorPool& pool = *pb::DescriptorPool::generated_pool();
  auto number = [&](const char* message, const char* field) {
    const pb::Descriptor* d = pool.FindMessageTypeByName(message);
    if (d == nullptr || d->FindFieldByName(field) == nullptr) return -1;
    return d->FindFieldByName(field)->number();
  };
  EXPECT_EQ(number("etcdserverpb.MemberListRequest", "linearizable"), 1);
  EXPECT_EQ(number("etcdserverpb.AuthUserAddRequest", "hashedPassword"), 4);
  EXPECT_EQ(number("etcdserverpb.AuthUserChangePasswordRequest", "hashedPassword"), 3);
  EXPECT_EQ(number("etcdserverpb.AuthStatusResponse", "header"), 1);
  EXPECT_EQ(number("etcdserverpb.AuthStatusResponse", "enabled"), 2);
  EXPECT_EQ(number("etcdserverpb.AuthStatusResponse", "authRevision"), 3);
  EXPECT_EQ(number("etcdserverpb.DowngradeRequest", "action"), 1);
  EXPECT_EQ(number("etcdserverpb.DowngradeRequest", "version"), 2);
  EXPECT_EQ(number("etcdserverpb.DowngradeResponse", "header"), 1);
  EXPECT_EQ(number("etcdserverpb.DowngradeResponse", "version"), 2);
  const pb::EnumDescriptor* action =
      pool.FindEnumTypeByName("etcdserverpb.DowngradeRequest.DowngradeAction");
  ASSERT_NE(action, nullptr);
  EXPECT_EQ(action->FindValueByName("VALIDATE")->number(), 0);
  EXPECT_EQ(action->FindValueByName("ENABLE")->number(), 1);
  EXPECT_EQ(action->FindValueByName("CANCEL")->number(), 2);
  const pb::MethodDescriptor* downgrade =
      pool.FindMethodByName("etcdserverpb.Maintenance.Downgrade");
  ASSERT_NE(downgrade, nullptr);
  EXPECT_EQ(downgrade->input_type()->full_name(), "etcdserverpb.DowngradeRequest");
  const pb::MethodDescriptor* status = pool.FindMethodByName("etcdserverpb.Auth.AuthStatus");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->output_type()->full_name(), "etcdserverpb.AuthStatusResponse");
}

// Negative check on the real files: our rpc.proto with one field number
// changed must be reported.
TEST_F(EtcdCompat, OurRpcProtoWithAChangedNumberIsFlagged) {
  pb::DescriptorPool mutated;
  for (const char* name : {"etcd/mvccpb/kv.proto", "etcd/authpb/auth.proto"}) {
    pb::FileDescriptorProto copy;
    OurFile(name).CopyTo(&copy);
    ASSERT_NE(mutated.BuildFile(copy), nullptr);
  }
  pb::FileDescriptorProto rpc;
  OurFile("etcd/etcdserverpb/rpc.proto").CopyTo(&rpc);
  bool changed = false;
  for (pb::DescriptorProto& m : *rpc.mutable_message_type()) {
    if (m.name() != "PutRequest") continue;
    for (pb::FieldDescriptorProto& f : *m.mutable_field()) {
      if (f.name() == "lease") {
        f.set_number(7);
        changed = true;
      }
    }
  }
  ASSERT_TRUE(changed);
  ASSERT_NE(mutated.BuildFile(rpc), nullptr);
  EXPECT_THAT(CompareFile(ReferenceFile("etcd/etcdserver/etcdserverpb/rpc.proto"), mutated),
              ::testing::ElementsAre(
                  HasSubstr("etcdserverpb.PutRequest.lease: number is 7, reference has 3")));
}

TEST_F(EtcdCompat, GrpcMethodPathsMatchEtcd) {
  // gRPC routes by "/<package>.<Service>/<Method>"; spot-check the ones
  // etcdctl uses most, straight from the generated stubs' descriptors.
  const pb::DescriptorPool& pool = *pb::DescriptorPool::generated_pool();
  for (const char* m : {"etcdserverpb.KV.Range", "etcdserverpb.KV.Txn", "etcdserverpb.Watch.Watch",
                        "etcdserverpb.Lease.LeaseKeepAlive", "etcdserverpb.Cluster.MemberList",
                        "etcdserverpb.Maintenance.Status", "etcdserverpb.Auth.Authenticate",
                        "v3lockpb.Lock.Lock", "v3electionpb.Election.Observe"}) {
    EXPECT_NE(pool.FindMethodByName(m), nullptr) << m;
    EXPECT_NE(reference_pool_->FindMethodByName(m), nullptr) << m;
  }
  EXPECT_TRUE(pool.FindMethodByName("etcdserverpb.Watch.Watch")->client_streaming());
}

// --- Round trips through real bytes ----------------------------------------

// Reads a field of a reference (dynamic) message by name.
const pb::FieldDescriptor& Field(const pb::Message& m, const char* name) {
  const pb::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr) {
    ADD_FAILURE() << m.GetDescriptor()->full_name() << " has no field " << name;
    std::abort();
  }
  return *f;
}

TEST_F(EtcdCompat, PutRequestParsesAsEtcds) {
  etcdserverpb::PutRequest put;
  put.set_key("foo");
  put.set_value(std::string("v\0al\xff", 5));
  put.set_lease(0x123456789a);
  put.set_prev_kv(true);
  put.set_ignore_lease(true);

  auto ref = NewReference("etcdserverpb.PutRequest");
  ASSERT_TRUE(ref->ParseFromString(put.SerializeAsString()));
  const pb::Reflection& r = *ref->GetReflection();
  EXPECT_EQ(r.GetString(*ref, &Field(*ref, "key")), "foo");
  EXPECT_EQ(r.GetString(*ref, &Field(*ref, "value")), std::string("v\0al\xff", 5));
  EXPECT_EQ(r.GetInt64(*ref, &Field(*ref, "lease")), 0x123456789a);
  EXPECT_TRUE(r.GetBool(*ref, &Field(*ref, "prev_kv")));
  EXPECT_FALSE(r.GetBool(*ref, &Field(*ref, "ignore_value")));
  EXPECT_TRUE(r.GetBool(*ref, &Field(*ref, "ignore_lease")));
  EXPECT_TRUE(r.GetUnknownFields(*ref).empty());
}

TEST_F(EtcdCompat, RangeResponseParsesAsEtcds) {
  etcdserverpb::RangeResponse resp;
  resp.mutable_header()->set_cluster_id(0xcdef0123456789ab);
  resp.mutable_header()->set_member_id(7);
  resp.mutable_header()->set_revision(99);
  resp.mutable_header()->set_raft_term(3);
  for (int i = 0; i < 2; ++i) {
    mvccpb::KeyValue* kv = resp.add_kvs();
    kv->set_key("k" + std::to_string(i));
    kv->set_value("v" + std::to_string(i));
    kv->set_create_revision(10 + i);
    kv->set_mod_revision(20 + i);
    kv->set_version(1 + i);
    kv->set_lease(i == 0 ? 0 : 42);
  }
  resp.set_more(true);
  resp.set_count(5);

  auto ref = NewReference("etcdserverpb.RangeResponse");
  ASSERT_TRUE(ref->ParseFromString(resp.SerializeAsString()));
  const pb::Reflection& r = *ref->GetReflection();
  const pb::Message& header = r.GetMessage(*ref, &Field(*ref, "header"));
  EXPECT_EQ(header.GetReflection()->GetUInt64(header, &Field(header, "cluster_id")),
            0xcdef0123456789abu);
  EXPECT_EQ(header.GetReflection()->GetInt64(header, &Field(header, "revision")), 99);
  EXPECT_EQ(header.GetReflection()->GetUInt64(header, &Field(header, "raft_term")), 3u);
  ASSERT_EQ(r.FieldSize(*ref, &Field(*ref, "kvs")), 2);
  const pb::Message& kv1 = r.GetRepeatedMessage(*ref, &Field(*ref, "kvs"), 1);
  const pb::Reflection& kr = *kv1.GetReflection();
  EXPECT_EQ(kr.GetString(kv1, &Field(kv1, "key")), "k1");
  EXPECT_EQ(kr.GetString(kv1, &Field(kv1, "value")), "v1");
  EXPECT_EQ(kr.GetInt64(kv1, &Field(kv1, "create_revision")), 11);
  EXPECT_EQ(kr.GetInt64(kv1, &Field(kv1, "mod_revision")), 21);
  EXPECT_EQ(kr.GetInt64(kv1, &Field(kv1, "version")), 2);
  EXPECT_EQ(kr.GetInt64(kv1, &Field(kv1, "lease")), 42);
  EXPECT_TRUE(r.GetBool(*ref, &Field(*ref, "more")));
  EXPECT_EQ(r.GetInt64(*ref, &Field(*ref, "count")), 5);
}

TEST_F(EtcdCompat, EtcdTxnRequestParsesAsOurs) {
  auto ref = NewReference("etcdserverpb.TxnRequest");
  const pb::Reflection& r = *ref->GetReflection();
  pb::Message* cmp = r.AddMessage(ref.get(), &Field(*ref, "compare"));
  const pb::Reflection& cr = *cmp->GetReflection();
  const pb::EnumDescriptor* result = Field(*cmp, "result").enum_type();
  const pb::EnumDescriptor* target = Field(*cmp, "target").enum_type();
  cr.SetEnum(cmp, &Field(*cmp, "result"), result->FindValueByName("NOT_EQUAL"));
  cr.SetEnum(cmp, &Field(*cmp, "target"), target->FindValueByName("MOD"));
  cr.SetString(cmp, &Field(*cmp, "key"), "k");
  cr.SetInt64(cmp, &Field(*cmp, "mod_revision"), 42);
  cr.SetString(cmp, &Field(*cmp, "range_end"), "l");
  pb::Message* op = r.AddMessage(ref.get(), &Field(*ref, "success"));
  pb::Message* put = op->GetReflection()->MutableMessage(op, &Field(*op, "request_put"));
  put->GetReflection()->SetString(put, &Field(*put, "key"), "k");
  put->GetReflection()->SetString(put, &Field(*put, "value"), "v");
  op = r.AddMessage(ref.get(), &Field(*ref, "failure"));
  pb::Message* range = op->GetReflection()->MutableMessage(op, &Field(*op, "request_range"));
  range->GetReflection()->SetInt64(range, &Field(*range, "limit"), 10);
  range->GetReflection()->SetBool(range, &Field(*range, "serializable"), true);

  etcdserverpb::TxnRequest txn;
  ASSERT_TRUE(txn.ParseFromString(ref->SerializeAsString()));
  ASSERT_EQ(txn.compare_size(), 1);
  EXPECT_EQ(txn.compare(0).result(), etcdserverpb::Compare::NOT_EQUAL);
  EXPECT_EQ(txn.compare(0).target(), etcdserverpb::Compare::MOD);
  EXPECT_EQ(txn.compare(0).target_union_case(), etcdserverpb::Compare::kModRevision);
  EXPECT_EQ(txn.compare(0).mod_revision(), 42);
  EXPECT_EQ(txn.compare(0).range_end(), "l");
  ASSERT_EQ(txn.success_size(), 1);
  ASSERT_TRUE(txn.success(0).has_request_put());
  EXPECT_EQ(txn.success(0).request_put().value(), "v");
  ASSERT_EQ(txn.failure_size(), 1);
  ASSERT_TRUE(txn.failure(0).has_request_range());
  EXPECT_EQ(txn.failure(0).request_range().limit(), 10);
  EXPECT_TRUE(txn.failure(0).request_range().serializable());
  EXPECT_TRUE(txn.GetReflection()->GetUnknownFields(txn).empty());
}

TEST_F(EtcdCompat, WatchMessagesRoundTrip) {
  etcdserverpb::WatchRequest req;
  etcdserverpb::WatchCreateRequest* create = req.mutable_create_request();
  create->set_key("a");
  create->set_range_end("b");
  create->set_start_revision(17);
  create->add_filters(etcdserverpb::WatchCreateRequest::NODELETE);  // Packed repeated enum.
  create->add_filters(etcdserverpb::WatchCreateRequest::NOPUT);
  create->set_prev_kv(true);
  create->set_watch_id(5);
  auto ref = NewReference("etcdserverpb.WatchRequest");
  ASSERT_TRUE(ref->ParseFromString(req.SerializeAsString()));
  std::string text;
  pb::TextFormat::PrintToString(*ref, &text);
  EXPECT_THAT(text, HasSubstr("filters: NODELETE"));
  EXPECT_THAT(text, HasSubstr("watch_id: 5"));

  etcdserverpb::WatchResponse resp;
  resp.set_watch_id(5);
  resp.set_cancel_reason("compacted");
  resp.set_fragment(true);
  mvccpb::Event* ev = resp.add_events();
  ev->set_type(mvccpb::Event::DELETE);
  ev->mutable_kv()->set_key("a");
  ev->mutable_kv()->set_mod_revision(18);
  ev->mutable_prev_kv()->set_value("old");
  auto ref_resp = NewReference("etcdserverpb.WatchResponse");
  ASSERT_TRUE(ref_resp->ParseFromString(resp.SerializeAsString()));
  etcdserverpb::WatchResponse back;
  ASSERT_TRUE(back.ParseFromString(ref_resp->SerializeAsString()));
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(resp, back));
  EXPECT_EQ(back.events(0).type(), mvccpb::Event::DELETE);
}

// --- Every message, every field, generically ---------------------------------

// Sets every field of `msg` that `ref` (the etcd type of the same name) also
// has, with values that depend on the field so swaps would show. `variant`
// picks which member of each oneof is set.
void Fill(pb::Message* msg, const pb::Descriptor& ref, int variant, int depth) {
  const pb::Descriptor& d = *msg->GetDescriptor();
  const pb::Reflection& r = *msg->GetReflection();
  for (int i = 0; i < d.field_count(); ++i) {
    const pb::FieldDescriptor* f = d.field(i);
    const pb::FieldDescriptor* rf = ref.FindFieldByName(f->name());
    if (rf == nullptr) continue;  // An addition of ours; etcd would not know it.
    if (const pb::OneofDescriptor* o = f->real_containing_oneof(); o != nullptr) {
      if (o->field(variant % o->field_count()) != f) continue;
    }
    const int n = f->number();
    const int copies = f->is_repeated() ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const int64_t v = (n * 1000 + depth * 10 + c) * ((variant + c) % 2 == 0 ? 1 : -1);
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r.AddInt32(msg, f, int32_t(v)) : r.SetInt32(msg, f, int32_t(v));
          break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r.AddInt64(msg, f, v << 20) : r.SetInt64(msg, f, v << 20);
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? r.AddUInt32(msg, f, uint32_t(n * 1000 + c))
                           : r.SetUInt32(msg, f, uint32_t(n * 1000 + c));
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? r.AddUInt64(msg, f, (uint64_t(n) << 40) + c)
                           : r.SetUInt64(msg, f, (uint64_t(n) << 40) + c);
          break;
        case pb::FieldDescriptor::CPPTYPE_DOUBLE:
          f->is_repeated() ? r.AddDouble(msg, f, n + 0.5) : r.SetDouble(msg, f, n + 0.5);
          break;
        case pb::FieldDescriptor::CPPTYPE_FLOAT:
          f->is_repeated() ? r.AddFloat(msg, f, n + 0.5f) : r.SetFloat(msg, f, n + 0.5f);
          break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r.AddBool(msg, f, true) : r.SetBool(msg, f, true);
          break;
        case pb::FieldDescriptor::CPPTYPE_ENUM: {
          const pb::EnumDescriptor* e = f->enum_type();
          const pb::EnumValueDescriptor* ev =
              e->value((e->value_count() - 1 + c) % e->value_count());
          f->is_repeated() ? r.AddEnum(msg, f, ev) : r.SetEnum(msg, f, ev);
          break;
        }
        case pb::FieldDescriptor::CPPTYPE_STRING: {
          std::string s = f->name() + "-" + std::to_string(c);
          if (f->type() == pb::FieldDescriptor::TYPE_BYTES) s += std::string("\0\xff", 2);
          f->is_repeated() ? r.AddString(msg, f, s) : r.SetString(msg, f, s);
          break;
        }
        case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
          if (depth >= 3) break;  // Txn nests Txn; stop somewhere.
          pb::Message* sub = f->is_repeated() ? r.AddMessage(msg, f) : r.MutableMessage(msg, f);
          Fill(sub, *rf->message_type(), variant + c, depth + 1);
          break;
        }
      }
    }
  }
}

int MaxOneofSize(const pb::Descriptor& d, int depth = 0) {
  int m = 1;
  for (int i = 0; i < d.real_oneof_decl_count(); ++i) {
    m = std::max(m, d.oneof_decl(i)->field_count());
  }
  if (depth < 3) {
    for (int i = 0; i < d.field_count(); ++i) {
      if (d.field(i)->message_type() != nullptr) {
        m = std::max(m, MaxOneofSize(*d.field(i)->message_type(), depth + 1));
      }
    }
  }
  return m;
}

void CollectMessages(const pb::Descriptor& d, std::vector<const pb::Descriptor*>* out) {
  out->push_back(&d);
  for (int i = 0; i < d.nested_type_count(); ++i) CollectMessages(*d.nested_type(i), out);
}

TEST_F(EtcdCompat, EveryMessageRoundTripsThroughEtcdsSchema) {
  std::vector<const pb::Descriptor*> reference_messages;
  for (const FilePair& p : kFiles) {
    const pb::FileDescriptor& f = ReferenceFile(p.reference);
    for (int i = 0; i < f.message_type_count(); ++i) {
      CollectMessages(*f.message_type(i), &reference_messages);
    }
  }
  int checked = 0;
  for (const pb::Descriptor* ref : reference_messages) {
    const pb::Descriptor* ours_d =
        pb::DescriptorPool::generated_pool()->FindMessageTypeByName(ref->full_name());
    ASSERT_NE(ours_d, nullptr) << ref->full_name();
    const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(ours_d);
    for (int variant = 0; variant < MaxOneofSize(*ref); ++variant) {
      SCOPED_TRACE(ref->full_name() + " variant " + std::to_string(variant));
      std::unique_ptr<pb::Message> ours(prototype->New());
      Fill(ours.get(), *ref, variant, 0);

      // Ours -> bytes -> etcd's schema: same fields, same values, no unknowns.
      std::unique_ptr<pb::Message> theirs(reference_factory_->GetPrototype(ref)->New());
      ASSERT_TRUE(theirs->ParseFromString(ours->SerializeAsString()));
      std::string ours_text, theirs_text;
      ASSERT_TRUE(pb::TextFormat::PrintToString(*ours, &ours_text));
      ASSERT_TRUE(pb::TextFormat::PrintToString(*theirs, &theirs_text));
      EXPECT_EQ(ours_text, theirs_text);

      // etcd's schema -> bytes -> ours: nothing lost.
      std::unique_ptr<pb::Message> back(prototype->New());
      ASSERT_TRUE(back->ParseFromString(theirs->SerializeAsString()));
      EXPECT_TRUE(pb::util::MessageDifferencer::Equals(*ours, *back));
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace strata::protocompat
