// ParseServerConfig and ServerUsage: the command line (CLI11). This is the
// only file that includes CLI11, which is slow to compile.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>

#include "server/config.h"

namespace strata::server {

namespace {

constexpr std::string_view kDescription =
    "strata-server: a distributed key-value store serving the etcd v3 API.\n"
    "Flags use etcd's names; --config reads etcd's YAML keys. Flags override the file.";

std::string DefaultText(const ServerFlag& f) {
  if (f.default_value.empty()) {
    // Derived defaults explain themselves in the help line.
    return f.help.find("(default:") != std::string_view::npos ? "" : " (default: none)";
  }
  return " (default: " + std::string(f.default_value) + ")";
}

// Flag targets, kept apart from the App so that counts can be read after parsing.
struct FlagTargets {
  std::string config_file;
  bool version = false;
  std::vector<std::string> text;     // One per ServerFlags() entry (non-bool ones).
  std::unique_ptr<bool[]> switches;  // Likewise for bool ones (vector<bool> has no bool&).
  std::vector<CLI::Option*> options;
};

void DefineFlags(CLI::App* app, FlagTargets* t) {
  app->name("strata-server");
  app->description(std::string(kDescription));
  app->get_formatter()->column_width(38);  // Fits the longest flag name on its line.
  app->add_option("--config,--config-file", t->config_file,
                  "YAML config file with etcd's keys (default: none).");
  app->add_flag("--version", t->version, "Print the version and exit.");
  std::span<const ServerFlag> flags = ServerFlags();
  t->text.resize(flags.size());
  t->switches = std::make_unique<bool[]>(flags.size());
  for (size_t i = 0; i < flags.size(); ++i) {
    const ServerFlag& f = flags[i];
    const std::string name = "--" + std::string(f.name);
    const std::string help = std::string(f.help) + DefaultText(f);
    CLI::Option* opt = nullptr;
    if (f.is_bool) {
      // "--x" is true; "--x=false" is accepted too, as with Go flags.
      t->switches[i] = false;
      opt = app->add_flag(name, t->switches[i], help);
    } else {
      opt = app->add_option(name, t->text[i], help);
    }
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    t->options.push_back(opt);
  }
}

bool IsKnownName(std::string_view name) {
  if (name == "config" || name == "config-file" || name == "version" || name == "help") {
    return true;
  }
  std::span<const ServerFlag> flags = ServerFlags();
  return std::any_of(flags.begin(), flags.end(),
                     [&](const ServerFlag& f) { return f.name == name; });
}

// Go's flag package (etcd's) accepts "-name" as well as "--name", and
// "--name=" for an empty value; CLI11 takes neither. Rewrite known flags:
// "-name[=v]" -> "--name[=v]", and "--name=" -> "--name" "".
std::vector<std::string> NormalizeArgs(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const size_t dashes = a.rfind("--", 0) == 0 ? 2 : (a.rfind('-', 0) == 0 ? 1 : 0);
    const size_t eq = a.find('=');
    const std::string name = a.substr(dashes, eq == std::string::npos ? eq : eq - dashes);
    if (dashes == 0 || name.size() < 2 || !IsKnownName(name)) {
      args.push_back(std::move(a));
      continue;
    }
    if (eq != std::string::npos && eq + 1 == a.size()) {
      args.push_back("--" + name);
      args.push_back("");
    } else {
      args.push_back("--" + a.substr(dashes));
    }
  }
  return args;
}

}  // namespace

std::string ServerUsage() {
  CLI::App app;
  FlagTargets targets;
  DefineFlags(&app, &targets);
  return app.help();
}

Result<ServerConfig> ParseServerConfig(int argc, char** argv) {
  CLI::App app;
  FlagTargets targets;
  DefineFlags(&app, &targets);

  std::vector<std::string> args = NormalizeArgs(argc, argv);
  std::reverse(args.begin(), args.end());  // CLI11 consumes the vector from the back.
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    ServerConfig c;
    c.action = ServerAction::kShowHelp;
    return c;
  } catch (const CLI::ParseError& e) {
    return Status::InvalidArgument(e.what());
  }
  if (targets.version) {
    ServerConfig c;
    c.action = ServerAction::kShowVersion;
    return c;
  }

  ConfigValues values;
  if (!targets.config_file.empty()) {
    Result<ConfigValues> file = LoadConfigFile(targets.config_file);
    if (!file.ok()) return file.status();
    values = std::move(file).value();
  }
  std::span<const ServerFlag> flags = ServerFlags();
  for (size_t i = 0; i < flags.size(); ++i) {
    if (targets.options[i]->count() == 0) continue;
    values[std::string(flags[i].name)] =
        flags[i].is_bool ? (targets.switches[i] ? "true" : "false") : targets.text[i];
  }
  Result<ServerConfig> config = BuildServerConfig(values);
  if (!config.ok()) return config.status();
  config->config_file = targets.config_file;
  return config;
}

}  // namespace strata::server
