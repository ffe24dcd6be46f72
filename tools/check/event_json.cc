#include "tools/check/event_json.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace strata::check {

namespace {

using Json = nlohmann::json;
// Keeps the fields in the order they are set, so lines read naturally.
using OrderedJson = nlohmann::ordered_json;

Status Bad(std::string what) { return Status::InvalidArgument(std::move(what)); }

// Looks up `name`; nullptr when missing.
const Json* Field(const Json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

Status GetInt(const Json& j, const char* name, int64_t* out) {
  const Json* f = Field(j, name);
  if (f == nullptr) return Bad(std::string("missing field \"") + name + "\"");
  if (!f->is_number_integer()) {
    return Bad(std::string("field \"") + name + "\" must be an integer, got " + f->dump());
  }
  if (f->is_number_unsigned() &&
      f->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Bad(std::string("field \"") + name + "\" is out of range: " + f->dump());
  }
  *out = f->get<int64_t>();
  return Status::Ok();
}

Status GetString(const Json& j, const char* name, std::string* out) {
  const Json* f = Field(j, name);
  if (f == nullptr) return Bad(std::string("missing field \"") + name + "\"");
  if (!f->is_string()) {
    return Bad(std::string("field \"") + name + "\" must be a string, got " + f->dump());
  }
  *out = f->get<std::string>();
  return Status::Ok();
}

Result<EventType> ParseType(const std::string& s) {
  if (s == "invoke") return EventType::kInvoke;
  if (s == "ok") return EventType::kOk;
  if (s == "fail") return EventType::kFail;
  if (s == "info") return EventType::kInfo;
  return Bad("unknown \"type\" \"" + s + "\" (want invoke, ok, fail or info)");
}

Result<OpKind> ParseKind(const std::string& s) {
  if (s == "get") return OpKind::kGet;
  if (s == "put") return OpKind::kPut;
  if (s == "delete") return OpKind::kDelete;
  if (s == "cas") return OpKind::kCas;
  return Bad("unknown \"op\" \"" + s + "\" (want get, put, delete or cas)");
}

Status DecodeInvokeArgs(const Json& j, Call* c) {
  if (c->kind == OpKind::kPut || c->kind == OpKind::kCas) {
    STRATA_RETURN_IF_ERROR(GetString(j, "value", &c->value));
  }
  if (c->kind != OpKind::kCas) return Status::Ok();
  std::string compare;
  STRATA_RETURN_IF_ERROR(GetString(j, "compare", &compare));
  if (compare == "version") {
    c->compare = CasCompare::kVersion;
    STRATA_RETURN_IF_ERROR(GetInt(j, "expected", &c->expected_version));
    if (c->expected_version < 0) return Bad("field \"expected\" (a version) must be >= 0");
    return Status::Ok();
  }
  if (compare == "value") {
    c->compare = CasCompare::kValue;
    return GetString(j, "expected", &c->expected_value);
  }
  return Bad("unknown \"compare\" \"" + compare + "\" (want version or value)");
}

Status DecodeReply(const Json& j, OpKind kind, Reply* r) {
  const Json* result = Field(j, "result");
  switch (kind) {
    case OpKind::kGet: {
      if (result == nullptr) return Bad("missing field \"result\" (a string, or null if absent)");
      if (result->is_string()) {
        r->value = result->get<std::string>();
      } else if (!result->is_null()) {
        return Bad("field \"result\" of a get must be a string or null, got " + result->dump());
      }
      if (Field(j, "version") != nullptr) {
        int64_t v = 0;
        STRATA_RETURN_IF_ERROR(GetInt(j, "version", &v));
        if (r->value && v < 1) return Bad("a present key has \"version\" >= 1");
        if (!r->value && v != 0) return Bad("an absent key has \"version\" 0");
        r->version = v;
      }
      return Status::Ok();
    }
    case OpKind::kPut:
      return Status::Ok();
    case OpKind::kCas:
      if (result == nullptr || !result->is_boolean()) {
        return Bad("a cas needs \"result\": true (compare held, put done) or false");
      }
      r->succeeded = result->get<bool>();
      return Status::Ok();
    case OpKind::kDelete:
      if (result == nullptr) return Status::Ok();
      int64_t n = 0;
      STRATA_RETURN_IF_ERROR(GetInt(j, "result", &n));
      if (n != 0 && n != 1) return Bad("field \"result\" of a delete must be 0 or 1");
      r->deleted = n;
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Result<Event> DecodeEvent(std::string_view line) {
  Json j;
  try {
    j = Json::parse(line.begin(), line.end());
  } catch (const Json::exception& e) {
    return Bad(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Bad("not a JSON object");
  Event e;
  std::string type, kind;
  STRATA_RETURN_IF_ERROR(GetInt(j, "process", &e.process));
  STRATA_RETURN_IF_ERROR(GetString(j, "type", &type));
  Result<EventType> t = ParseType(type);
  if (!t.ok()) return t.status();
  e.type = *t;
  STRATA_RETURN_IF_ERROR(GetString(j, "op", &kind));
  Result<OpKind> k = ParseKind(kind);
  if (!k.ok()) return k.status();
  e.call.kind = *k;
  STRATA_RETURN_IF_ERROR(GetString(j, "key", &e.call.key));
  STRATA_RETURN_IF_ERROR(GetInt(j, "time", &e.time_ns));
  if (e.time_ns < 0 || e.time_ns == kNever) return Bad("field \"time\" is out of range");
  switch (e.type) {
    case EventType::kInvoke:
      STRATA_RETURN_IF_ERROR(DecodeInvokeArgs(j, &e.call));
      break;
    case EventType::kOk:
      STRATA_RETURN_IF_ERROR(DecodeReply(j, e.call.kind, &e.reply));
      break;
    case EventType::kFail:
    case EventType::kInfo:
      if (Field(j, "error") != nullptr) STRATA_RETURN_IF_ERROR(GetString(j, "error", &e.error));
      break;
  }
  return e;
}

Result<std::string> EncodeEvent(const Event& e) {
  OrderedJson j;
  j["process"] = e.process;
  j["type"] = std::string(EventTypeName(e.type));
  j["op"] = std::string(OpKindName(e.call.kind));
  j["key"] = e.call.key;
  const Call& c = e.call;
  if (e.type == EventType::kInvoke && c.kind == OpKind::kCas) {
    j["compare"] = c.compare == CasCompare::kVersion ? "version" : "value";
    if (c.compare == CasCompare::kVersion) {
      j["expected"] = c.expected_version;
    } else {
      j["expected"] = c.expected_value;
    }
  }
  if (e.type == EventType::kInvoke && (c.kind == OpKind::kPut || c.kind == OpKind::kCas)) {
    j["value"] = c.value;
  }
  if (e.type == EventType::kOk) {
    const Reply& r = e.reply;
    if (c.kind == OpKind::kGet) {
      j["result"] = r.value ? Json(*r.value) : Json(nullptr);
      if (r.version) j["version"] = *r.version;
    } else if (c.kind == OpKind::kCas) {
      j["result"] = r.succeeded;
    } else if (c.kind == OpKind::kDelete && r.deleted) {
      j["result"] = *r.deleted;
    }
  }
  if ((e.type == EventType::kFail || e.type == EventType::kInfo) && !e.error.empty()) {
    j["error"] = e.error;
  }
  j["time"] = e.time_ns;
  try {
    return j.dump();
  } catch (const Json::exception& ex) {
    return Bad(std::string("cannot encode event: ") + ex.what());
  }
}

}  // namespace strata::check
