#include "compat/descriptor_compat.h"

#include <string_view>

namespace strata::protocompat {

namespace pb = google::protobuf;

namespace {

std::string LabelName(const pb::FieldDescriptor& f) {
  switch (f.label()) {
    case pb::FieldDescriptor::LABEL_OPTIONAL:
      return "optional";
    case pb::FieldDescriptor::LABEL_REQUIRED:
      return "required";
    case pb::FieldDescriptor::LABEL_REPEATED:
      return "repeated";
  }
  return "?";
}

// The type as it matters on the wire and to generated code: the scalar kind,
// or the full name of the message or enum type.
std::string TypeName(const pb::FieldDescriptor& f) {
  std::string name = f.type_name();
  if (f.message_type() != nullptr) name += " " + f.message_type()->full_name();
  if (f.enum_type() != nullptr) name += " " + f.enum_type()->full_name();
  return name;
}

std::string OneofName(const pb::FieldDescriptor& f) {
  const pb::OneofDescriptor* o = f.real_containing_oneof();
  return o == nullptr ? "(none)" : o->name();
}

void Append(Differences* out, Differences more) {
  out->insert(out->end(), std::make_move_iterator(more.begin()),
              std::make_move_iterator(more.end()));
}

void Mismatch(Differences* out, std::string_view element, std::string_view aspect,
              const std::string& ours, const std::string& reference) {
  out->push_back(std::string(element) + ": " + std::string(aspect) + " is " + ours +
                 ", reference has " + reference);
}

void CompareField(const pb::FieldDescriptor& ref, const pb::FieldDescriptor& ours,
                  Differences* out) {
  const std::string& where = ref.full_name();
  if (ref.number() != ours.number()) {
    Mismatch(out, where, "number", std::to_string(ours.number()), std::to_string(ref.number()));
  }
  if (TypeName(ref) != TypeName(ours)) Mismatch(out, where, "type", TypeName(ours), TypeName(ref));
  if (ref.label() != ours.label()) Mismatch(out, where, "label", LabelName(ours), LabelName(ref));
  if (ref.is_packed() != ours.is_packed()) {
    Mismatch(out, where, "packed", ours.is_packed() ? "true" : "false",
             ref.is_packed() ? "true" : "false");
  }
  if (OneofName(ref) != OneofName(ours)) {
    Mismatch(out, where, "oneof", OneofName(ours), OneofName(ref));
  }
}

void AdditionsInEnum(const pb::EnumDescriptor& ours, const pb::DescriptorPool& reference_pool,
                     std::vector<std::string>* out) {
  const pb::EnumDescriptor* ref = reference_pool.FindEnumTypeByName(ours.full_name());
  if (ref == nullptr) {
    out->push_back("enum " + ours.full_name());
    return;
  }
  for (int v = 0; v < ours.value_count(); ++v) {
    if (ref->FindValueByName(ours.value(v)->name()) == nullptr) {
      out->push_back("enum value " + ours.value(v)->full_name());
    }
  }
}

void AdditionsInMessage(const pb::Descriptor& ours, const pb::DescriptorPool& reference_pool,
                        std::vector<std::string>* out) {
  const pb::Descriptor* ref = reference_pool.FindMessageTypeByName(ours.full_name());
  if (ref == nullptr) {
    out->push_back("message " + ours.full_name());
    return;  // Everything inside is new as well; one line says it.
  }
  for (int i = 0; i < ours.field_count(); ++i) {
    if (ref->FindFieldByName(ours.field(i)->name()) == nullptr) {
      out->push_back("field " + ours.field(i)->full_name());
    }
  }
  for (int i = 0; i < ours.nested_type_count(); ++i) {
    AdditionsInMessage(*ours.nested_type(i), reference_pool, out);
  }
  for (int i = 0; i < ours.enum_type_count(); ++i) {
    AdditionsInEnum(*ours.enum_type(i), reference_pool, out);
  }
}

}  // namespace

Differences CompareEnum(const pb::EnumDescriptor& reference, const pb::EnumDescriptor& ours) {
  Differences out;
  for (int i = 0; i < reference.value_count(); ++i) {
    const pb::EnumValueDescriptor& rv = *reference.value(i);
    const pb::EnumValueDescriptor* ov = ours.FindValueByName(rv.name());
    if (ov == nullptr) {
      out.push_back(rv.full_name() + ": enum value missing");
    } else if (ov->number() != rv.number()) {
      Mismatch(&out, rv.full_name(), "number", std::to_string(ov->number()),
               std::to_string(rv.number()));
    }
  }
  return out;
}

Differences CompareMessage(const pb::Descriptor& reference, const pb::Descriptor& ours) {
  Differences out;
  for (int i = 0; i < reference.field_count(); ++i) {
    const pb::FieldDescriptor& rf = *reference.field(i);
    const pb::FieldDescriptor* of = ours.FindFieldByName(rf.name());
    if (of == nullptr) {
      out.push_back(rf.full_name() + ": field missing (number " + std::to_string(rf.number()) +
                    ")");
      continue;
    }
    CompareField(rf, *of, &out);
    // A field of ours that reuses a reference number under another name
    // would also be caught here: numbers are unique within a message, so
    // `of` having the reference number means no other field of ours has it.
  }
  for (int i = 0; i < reference.real_oneof_decl_count(); ++i) {
    const pb::OneofDescriptor& ro = *reference.oneof_decl(i);
    if (ours.FindOneofByName(ro.name()) == nullptr) {
      out.push_back(ro.full_name() + ": oneof missing");
    }
  }
  for (int i = 0; i < reference.nested_type_count(); ++i) {
    const pb::Descriptor& rn = *reference.nested_type(i);
    const pb::Descriptor* on = ours.FindNestedTypeByName(rn.name());
    if (on == nullptr) {
      out.push_back(rn.full_name() + ": nested message missing");
    } else {
      Append(&out, CompareMessage(rn, *on));
    }
  }
  for (int i = 0; i < reference.enum_type_count(); ++i) {
    const pb::EnumDescriptor& re = *reference.enum_type(i);
    const pb::EnumDescriptor* oe = ours.FindEnumTypeByName(re.name());
    if (oe == nullptr) {
      out.push_back(re.full_name() + ": nested enum missing");
    } else {
      Append(&out, CompareEnum(re, *oe));
    }
  }
  return out;
}

Differences CompareService(const pb::ServiceDescriptor& reference,
                           const pb::ServiceDescriptor& ours) {
  Differences out;
  for (int i = 0; i < reference.method_count(); ++i) {
    const pb::MethodDescriptor& rm = *reference.method(i);
    const pb::MethodDescriptor* om = ours.FindMethodByName(rm.name());
    const std::string& where = rm.full_name();
    if (om == nullptr) {
      out.push_back(where + ": method missing");
      continue;
    }
    if (om->input_type()->full_name() != rm.input_type()->full_name()) {
      Mismatch(&out, where, "input", om->input_type()->full_name(), rm.input_type()->full_name());
    }
    if (om->output_type()->full_name() != rm.output_type()->full_name()) {
      Mismatch(&out, where, "output", om->output_type()->full_name(),
               rm.output_type()->full_name());
    }
    if (om->client_streaming() != rm.client_streaming()) {
      Mismatch(&out, where, "client_streaming", om->client_streaming() ? "true" : "false",
               rm.client_streaming() ? "true" : "false");
    }
    if (om->server_streaming() != rm.server_streaming()) {
      Mismatch(&out, where, "server_streaming", om->server_streaming() ? "true" : "false",
               rm.server_streaming() ? "true" : "false");
    }
  }
  return out;
}

Differences CompareFile(const pb::FileDescriptor& reference, const pb::DescriptorPool& ours_pool) {
  Differences out;
  for (int i = 0; i < reference.message_type_count(); ++i) {
    const pb::Descriptor& rm = *reference.message_type(i);
    const pb::Descriptor* om = ours_pool.FindMessageTypeByName(rm.full_name());
    if (om == nullptr) {
      out.push_back(rm.full_name() + ": message missing");
    } else {
      Append(&out, CompareMessage(rm, *om));
    }
  }
  for (int i = 0; i < reference.enum_type_count(); ++i) {
    const pb::EnumDescriptor& re = *reference.enum_type(i);
    const pb::EnumDescriptor* oe = ours_pool.FindEnumTypeByName(re.full_name());
    if (oe == nullptr) {
      out.push_back(re.full_name() + ": enum missing");
    } else {
      Append(&out, CompareEnum(re, *oe));
    }
  }
  for (int i = 0; i < reference.service_count(); ++i) {
    const pb::ServiceDescriptor& rs = *reference.service(i);
    const pb::ServiceDescriptor* os = ours_pool.FindServiceByName(rs.full_name());
    if (os == nullptr) {
      out.push_back(rs.full_name() + ": service missing");
    } else {
      Append(&out, CompareService(rs, *os));
    }
  }
  return out;
}

std::vector<std::string> Additions(const pb::FileDescriptor& ours,
                                   const pb::DescriptorPool& reference_pool) {
  std::vector<std::string> out;
  for (int i = 0; i < ours.message_type_count(); ++i) {
    AdditionsInMessage(*ours.message_type(i), reference_pool, &out);
  }
  for (int i = 0; i < ours.enum_type_count(); ++i) {
    AdditionsInEnum(*ours.enum_type(i), reference_pool, &out);
  }
  for (int i = 0; i < ours.service_count(); ++i) {
    const pb::ServiceDescriptor& s = *ours.service(i);
    const pb::ServiceDescriptor* ref = reference_pool.FindServiceByName(s.full_name());
    if (ref == nullptr) {
      out.push_back("service " + s.full_name());
      continue;
    }
    for (int m = 0; m < s.method_count(); ++m) {
      if (ref->FindMethodByName(s.method(m)->name()) == nullptr) {
        out.push_back("method " + s.method(m)->full_name());
      }
    }
  }
  return out;
}

}  // namespace strata::protocompat
