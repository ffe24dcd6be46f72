// stratactl's two output forms: text (the default) and JSON (-w json).
// Every command builds its JSON answer with these helpers and prints either
// that or its text lines; errors go to stderr in both forms.
//
// In JSON, bytes are strings in the same form as text output (ShowBytes:
// hex digits with --hex, else printable ASCII with \xNN), so the document
// is always valid UTF-8.
//
// Thread-safety: pure functions (Print writes stdout).
#pragma once

#include <nlohmann/json.hpp>

#include "format.h"
#include "strata/client.h"

namespace strata::ctl {

// {"key", "value", "create_revision", "mod_revision", "version"}.
nlohmann::json KvJson(const client::KeyValue& kv, ByteFormat f);
// {"revision": r}.
nlohmann::json RevisionJson(int64_t revision);
// One line: the document, compact.
void PrintJson(const nlohmann::json& j);
// A write's answer: "OK (revision N)" or {"revision": N}.
void PrintWrite(bool json, int64_t revision);

}  // namespace strata::ctl
