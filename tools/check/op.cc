#include "tools/check/op.h"

#include <cstdio>

namespace strata::check {

Call Call::Get(std::string key) { return Call{OpKind::kGet, std::move(key), {}, {}, 0, {}}; }

Call Call::Put(std::string key, std::string value) {
  return Call{OpKind::kPut, std::move(key), std::move(value), {}, 0, {}};
}

Call Call::Delete(std::string key) { return Call{OpKind::kDelete, std::move(key), {}, {}, 0, {}}; }

Call Call::CasVersion(std::string key, int64_t expected_version, std::string value) {
  return Call{OpKind::kCas,         std::move(key),   std::move(value),
              CasCompare::kVersion, expected_version, {}};
}

Call Call::CasValue(std::string key, std::string expected_value, std::string value) {
  return Call{OpKind::kCas,
              std::move(key),
              std::move(value),
              CasCompare::kValue,
              0,
              std::move(expected_value)};
}

Reply Reply::Get(std::optional<std::string> value, std::optional<int64_t> version) {
  Reply r;
  r.value = std::move(value);
  r.version = version;
  return r;
}

Reply Reply::Cas(bool succeeded) {
  Reply r;
  r.succeeded = succeeded;
  return r;
}

Reply Reply::Delete(std::optional<int64_t> deleted) {
  Reply r;
  r.deleted = deleted;
  return r;
}

std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kGet:
      return "get";
    case OpKind::kPut:
      return "put";
    case OpKind::kDelete:
      return "delete";
    case OpKind::kCas:
      return "cas";
  }
  return "?";
}

namespace {

// Double-quoted, with quotes, backslashes and control bytes escaped, so that
// "" and values with spaces stay readable.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string DescribeCall(const Call& call) {
  switch (call.kind) {
    case OpKind::kGet:
      return "get()";
    case OpKind::kPut:
      return "put(" + Quote(call.value) + ")";
    case OpKind::kDelete:
      return "delete()";
    case OpKind::kCas:
      if (call.compare == CasCompare::kVersion) {
        return "cas(version=" + std::to_string(call.expected_version) + " -> " + Quote(call.value) +
               ")";
      }
      return "cas(value=" + Quote(call.expected_value) + " -> " + Quote(call.value) + ")";
  }
  return "?";
}

std::string DescribeOutcome(const Op& op) {
  if (op.outcome == Outcome::kInfo) {
    return op.error.empty() ? "info" : "info: " + op.error;
  }
  const Reply& r = op.reply;
  switch (op.call.kind) {
    case OpKind::kGet: {
      if (!r.value) return "absent";
      std::string s = Quote(*r.value);
      if (r.version) s += " (version " + std::to_string(*r.version) + ")";
      return s;
    }
    case OpKind::kPut:
      return "ok";
    case OpKind::kDelete:
      return r.deleted ? "deleted " + std::to_string(*r.deleted) : "ok";
    case OpKind::kCas:
      return r.succeeded ? "succeeded" : "compare failed";
  }
  return "?";
}

}  // namespace strata::check
