// The comparison itself, on small hand-built schemas: it must accept equal
// ones and flag each kind of incompatible change.
#include "compat/descriptor_compat.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace strata::protocompat {
namespace {

namespace pb = google::protobuf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// package t;
// message Req { int64 id = 1; repeated string names = 2; Kind kind = 3;
//               oneof u { bytes raw = 4; int64 num = 5; } repeated int64 revs = 6; }
// message Resp { int64 id = 1; }
// enum Kind { A = 0; B = 1; }
// service S { rpc Get(Req) returns (Resp); rpc Watch(stream Req) returns (stream Resp); }
pb::FileDescriptorProto BaseFile() {
  pb::FileDescriptorProto f;
  f.set_name("t.proto");
  f.set_package("t");
  f.set_syntax("proto3");
  auto add_field = [](pb::DescriptorProto* m, const char* name, int number,
                      pb::FieldDescriptorProto::Type type, pb::FieldDescriptorProto::Label label,
                      const char* type_name = nullptr) {
    pb::FieldDescriptorProto* fd = m->add_field();
    fd->set_name(name);
    fd->set_number(number);
    fd->set_type(type);
    fd->set_label(label);
    if (type_name != nullptr) fd->set_type_name(type_name);
    return fd;
  };
  pb::DescriptorProto* req = f.add_message_type();
  req->set_name("Req");
  add_field(req, "id", 1, pb::FieldDescriptorProto::TYPE_INT64,
            pb::FieldDescriptorProto::LABEL_OPTIONAL);
  add_field(req, "names", 2, pb::FieldDescriptorProto::TYPE_STRING,
            pb::FieldDescriptorProto::LABEL_REPEATED);
  add_field(req, "kind", 3, pb::FieldDescriptorProto::TYPE_ENUM,
            pb::FieldDescriptorProto::LABEL_OPTIONAL, ".t.Kind");
  req->add_oneof_decl()->set_name("u");
  add_field(req, "raw", 4, pb::FieldDescriptorProto::TYPE_BYTES,
            pb::FieldDescriptorProto::LABEL_OPTIONAL)
      ->set_oneof_index(0);
  add_field(req, "num", 5, pb::FieldDescriptorProto::TYPE_INT64,
            pb::FieldDescriptorProto::LABEL_OPTIONAL)
      ->set_oneof_index(0);
  add_field(req, "revs", 6, pb::FieldDescriptorProto::TYPE_INT64,
            pb::FieldDescriptorProto::LABEL_REPEATED);  // Packed: proto3 default.
  pb::DescriptorProto* resp = f.add_message_type();
  resp->set_name("Resp");
  add_field(resp, "id", 1, pb::FieldDescriptorProto::TYPE_INT64,
            pb::FieldDescriptorProto::LABEL_OPTIONAL);
  pb::EnumDescriptorProto* kind = f.add_enum_type();
  kind->set_name("Kind");
  kind->add_value()->set_name("A");
  kind->mutable_value(0)->set_number(0);
  kind->add_value()->set_name("B");
  kind->mutable_value(1)->set_number(1);
  pb::ServiceDescriptorProto* s = f.add_service();
  s->set_name("S");
  pb::MethodDescriptorProto* get = s->add_method();
  get->set_name("Get");
  get->set_input_type(".t.Req");
  get->set_output_type(".t.Resp");
  pb::MethodDescriptorProto* watch = s->add_method();
  watch->set_name("Watch");
  watch->set_input_type(".t.Req");
  watch->set_output_type(".t.Resp");
  watch->set_client_streaming(true);
  watch->set_server_streaming(true);
  return f;
}

// Builds `reference` and `ours` in separate pools and compares them.
class Schemas {
 public:
  Schemas(const pb::FileDescriptorProto& reference, const pb::FileDescriptorProto& ours) {
    ref_file_ = ref_pool_.BuildFile(reference);
    ours_file_ = ours_pool_.BuildFile(ours);
  }
  bool built() const { return ref_file_ != nullptr && ours_file_ != nullptr; }
  Differences Compare() const { return CompareFile(*ref_file_, ours_pool_); }
  std::vector<std::string> Added() const { return Additions(*ours_file_, ref_pool_); }

 private:
  pb::DescriptorPool ref_pool_;
  pb::DescriptorPool ours_pool_;
  const pb::FileDescriptor* ref_file_ = nullptr;
  const pb::FileDescriptor* ours_file_ = nullptr;
};

// Compares the base file with a copy changed by `edit`.
Differences CompareWithEdit(const std::function<void(pb::FileDescriptorProto*)>& edit) {
  pb::FileDescriptorProto ours = BaseFile();
  edit(&ours);
  Schemas s(BaseFile(), ours);
  EXPECT_TRUE(s.built());
  if (!s.built()) return {"schema did not build"};
  return s.Compare();
}

TEST(DescriptorCompat, IdenticalSchemasAreCompatible) {
  Schemas s(BaseFile(), BaseFile());
  ASSERT_TRUE(s.built());
  EXPECT_THAT(s.Compare(), IsEmpty());
  EXPECT_THAT(s.Added(), IsEmpty());
}

TEST(DescriptorCompat, ChangedFieldNumberIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(0)->mutable_field(0)->set_number(9);
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Req.id: number is 9, reference has 1")));
}

TEST(DescriptorCompat, SwappedFieldNumbersAreFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(0)->mutable_field(0)->set_number(2);  // id
    f->mutable_message_type(0)->mutable_field(1)->set_number(1);  // names
  });
  EXPECT_EQ(d.size(), 2u);
}

TEST(DescriptorCompat, ChangedScalarTypeIsFlagged) {
  // int64 and sint64 use different varint encodings for negative numbers.
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(0)->mutable_field(0)->set_type(pb::FieldDescriptorProto::TYPE_SINT64);
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Req.id: type is sint64")));
}

TEST(DescriptorCompat, ChangedLabelIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(0)->mutable_field(1)->set_label(
        pb::FieldDescriptorProto::LABEL_OPTIONAL);
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Req.names: label is optional, reference has repeated")));
}

TEST(DescriptorCompat, ChangedPackingIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    // Packed and unpacked encodings differ; conforming parsers accept both,
    // but we keep our bytes identical to etcd's.
    f->mutable_message_type(0)->mutable_field(5)->mutable_options()->set_packed(false);
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Req.revs: packed is false, reference has true")));
}

TEST(DescriptorCompat, FieldMovedOutOfOneofIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(0)->mutable_field(4)->clear_oneof_index();
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Req.num: oneof is (none), reference has u")));
}

TEST(DescriptorCompat, MissingFieldIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(1)->mutable_field()->RemoveLast();
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Resp.id: field missing")));
}

TEST(DescriptorCompat, RenamedFieldIsFlagged) {
  // Same number, new name: binary compatible but breaks JSON and generated
  // accessors, so it counts as a difference.
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_message_type(1)->mutable_field(0)->set_name("ident");
  });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.Resp.id: field missing")));
}

TEST(DescriptorCompat, ChangedEnumValueIsFlagged) {
  Differences d = CompareWithEdit(
      [](pb::FileDescriptorProto* f) { f->mutable_enum_type(0)->mutable_value(1)->set_number(2); });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.B: number is 2, reference has 1")));
}

TEST(DescriptorCompat, ChangedFieldMessageTypeIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    pb::FieldDescriptorProto* kind = f->mutable_message_type(0)->mutable_field(2);
    kind->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
    kind->set_type_name(".t.Resp");
  });
  ASSERT_THAT(
      d, ElementsAre(HasSubstr("t.Req.kind: type is message t.Resp, reference has enum t.Kind")));
}

TEST(DescriptorCompat, ChangedMethodSignatureIsFlagged) {
  Differences d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    pb::MethodDescriptorProto* get = f->mutable_service(0)->mutable_method(0);
    get->set_output_type(".t.Req");
    get->set_server_streaming(true);
  });
  EXPECT_THAT(d, ElementsAre(HasSubstr("t.S.Get: output is t.Req, reference has t.Resp"),
                             HasSubstr("t.S.Get: server_streaming is true, reference has false")));
  d = CompareWithEdit([](pb::FileDescriptorProto* f) {
    f->mutable_service(0)->mutable_method(1)->set_client_streaming(false);
  });
  EXPECT_THAT(d, ElementsAre(HasSubstr("t.S.Watch: client_streaming is false")));
}

TEST(DescriptorCompat, MissingMethodIsFlagged) {
  Differences d = CompareWithEdit(
      [](pb::FileDescriptorProto* f) { f->mutable_service(0)->mutable_method()->RemoveLast(); });
  ASSERT_THAT(d, ElementsAre(HasSubstr("t.S.Watch: method missing")));
}

TEST(DescriptorCompat, AdditionsAreListedNotFlagged) {
  pb::FileDescriptorProto ours = BaseFile();
  pb::FieldDescriptorProto* extra = ours.mutable_message_type(1)->add_field();
  extra->set_name("extra");
  extra->set_number(7);
  extra->set_type(pb::FieldDescriptorProto::TYPE_BOOL);
  extra->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  ours.mutable_enum_type(0)->add_value()->set_name("C");
  ours.mutable_enum_type(0)->mutable_value(2)->set_number(2);
  ours.add_message_type()->set_name("New");
  pb::MethodDescriptorProto* m = ours.mutable_service(0)->add_method();
  m->set_name("Put");
  m->set_input_type(".t.Req");
  m->set_output_type(".t.Resp");
  Schemas s(BaseFile(), ours);
  ASSERT_TRUE(s.built());
  EXPECT_THAT(s.Compare(), IsEmpty());
  EXPECT_THAT(s.Added(), ElementsAre("field t.Resp.extra", "message t.New", "enum value t.C",
                                     "method t.S.Put"));
}

}  // namespace
}  // namespace strata::protocompat
