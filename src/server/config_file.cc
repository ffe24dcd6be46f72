// LoadConfigFile: etcd-style YAML config files (yaml-cpp).
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "server/config.h"

namespace strata::server {

namespace {

bool IsKnownFlag(std::string_view key) {
  std::span<const ServerFlag> flags = ServerFlags();
  return std::any_of(flags.begin(), flags.end(),
                     [&](const ServerFlag& f) { return f.name == key; });
}

Status FileError(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("--config=" + path + ": " + what);
}

// A scalar as text, a sequence of scalars joined with commas.
Result<std::string> ValueText(const std::string& path, const std::string& key,
                              const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) {
    std::string out;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) return FileError(path, "key \"" + key + "\": nested lists not allowed");
      if (!out.empty()) out += ",";
      out += item.Scalar();
    }
    return out;
  }
  return FileError(path, "key \"" + key + "\": expected a value or a list");
}

// etcd nests TLS settings: client-transport-security: {cert-file: ...}.
Status LoadTransportSecurity(const std::string& path, const std::string& key,
                             const YAML::Node& node, std::string_view prefix, ConfigValues* out) {
  if (node.IsNull()) return Status::Ok();
  if (!node.IsMap()) return FileError(path, "key \"" + key + "\": expected a map");
  for (const auto& item : node) {
    const std::string sub = item.first.as<std::string>();
    if (sub != "cert-file" && sub != "key-file" && sub != "trusted-ca-file" &&
        sub != "client-cert-auth") {
      return FileError(path, "unknown key \"" + key + "." + sub + "\"");
    }
    if (item.second.IsNull()) continue;
    Result<std::string> text = ValueText(path, key + "." + sub, item.second);
    if (!text.ok()) return text.status();
    (*out)[std::string(prefix) + sub] = std::move(text).value();
  }
  return Status::Ok();
}

}  // namespace

Result<ConfigValues> LoadConfigFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return FileError(path, "cannot read the file");
  } catch (const YAML::Exception& e) {
    return FileError(path, std::string("not valid YAML: ") + e.what());
  }
  ConfigValues out;
  if (root.IsNull()) return out;  // An empty file.
  if (!root.IsMap()) return FileError(path, "expected a map of settings at the top level");
  try {
    for (const auto& item : root) {
      const std::string key = item.first.as<std::string>();
      if (key == "client-transport-security" || key == "peer-transport-security") {
        STRATA_RETURN_IF_ERROR(LoadTransportSecurity(
            path, key, item.second, key == "peer-transport-security" ? "peer-" : "", &out));
        continue;
      }
      if (!IsKnownFlag(key)) return FileError(path, "unknown key \"" + key + "\"");
      if (item.second.IsNull()) continue;
      Result<std::string> text = ValueText(path, key, item.second);
      if (!text.ok()) return text.status();
      out[key] = std::move(text).value();
    }
  } catch (const YAML::Exception& e) {
    return FileError(path, std::string("bad YAML: ") + e.what());
  }
  return out;
}

}  // namespace strata::server
