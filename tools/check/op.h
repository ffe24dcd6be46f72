// The operations a history records against Strata's key-value API.
//
// A Call is what a client asked for, a Reply what an ok answer said, and an
// Op pairs them with the client (process) and the times it was invoked and
// ended. The checker models each key as an etcd register: a value plus a
// version that counts puts since the key was created; a delete makes the
// key absent (version 0).
//
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace strata::check {

enum class OpKind : uint8_t {
  kGet,     // Range on one key.
  kPut,     // Put: version + 1 (1 when the key was absent).
  kDelete,  // DeleteRange on one key: the key becomes absent, version 0.
  kCas,     // Txn: if (compare) then put.
};

// What a compare-and-set compares (always for equality).
enum class CasCompare : uint8_t {
  kVersion,  // The key's version; 0 holds exactly when the key is absent.
  kValue,    // The key's value; never holds on an absent key (as in etcd).
};

// What a client asked for.
struct Call {
  OpKind kind = OpKind::kGet;
  std::string key;
  std::string value;                          // put and cas: the value written.
  CasCompare compare = CasCompare::kVersion;  // cas only.
  int64_t expected_version = 0;               // cas on kVersion.
  std::string expected_value;                 // cas on kValue.

  // Range on `key` alone.
  static Call Get(std::string key);
  // Put(key, value).
  static Call Put(std::string key, std::string value);
  // DeleteRange on `key` alone.
  static Call Delete(std::string key);
  // Txn(version(key) == expected_version) then put(key, value).
  static Call CasVersion(std::string key, int64_t expected_version, std::string value);
  // Txn(value(key) == expected_value) then put(key, value).
  static Call CasValue(std::string key, std::string expected_value, std::string value);
};

// What an ok reply said. Fields that do not belong to the call's kind are
// ignored; optional fields are checked only when recorded.
struct Reply {
  std::optional<std::string> value;  // get: the value read; nullopt when absent.
  std::optional<int64_t> version;    // get: the key's version, if recorded.
  bool succeeded = false;            // cas: the compare held and the put ran.
  std::optional<int64_t> deleted;    // delete: keys deleted (0 or 1), if recorded.

  // A get found `value` (nullopt: absent), at `version` if known.
  static Reply Get(std::optional<std::string> value, std::optional<int64_t> version = {});
  // A put was acknowledged.
  static Reply Put() { return {}; }
  // A Txn answered; `succeeded` is its response's succeeded field.
  static Reply Cas(bool succeeded);
  // A delete was acknowledged, having deleted `deleted` keys if known.
  static Reply Delete(std::optional<int64_t> deleted = {});
};

enum class Outcome : uint8_t {
  kOk,    // Took effect once, between invoke and end.
  kInfo,  // Unknown (timeout, lost connection): took effect once at any time
          // after invoke, even after end, or never.
};

// Stands for "no end": an info op stays open forever.
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct Op {
  int64_t process = 0;
  Call call;
  Outcome outcome = Outcome::kOk;
  Reply reply;        // kOk only.
  std::string error;  // kInfo: why the outcome is unknown, if recorded.
  int64_t invoke_ns = 0;
  int64_t end_ns = 0;  // When the reply came or the client gave up.
  // Lines of the history file (1-based); 0 when not read from a file, and
  // end_line is 0 for an invoke that never completed.
  int64_t invoke_line = 0;
  int64_t end_line = 0;

  // The latest time the op may take effect: end_ns, or kNever for info ops.
  int64_t deadline_ns() const { return outcome == Outcome::kOk ? end_ns : kNever; }
};

// "get", "put", "delete", "cas".
std::string_view OpKindName(OpKind kind);
// Readable call without its key: get(), put("v"), cas(version=2 -> "v").
std::string DescribeCall(const Call& call);
// Readable outcome: "ok", "absent", "\"v\" (version 3)", "succeeded",
// "compare failed", "deleted 1", "info: <error>".
std::string DescribeOutcome(const Op& op);

}  // namespace strata::check
