// stratactl: Strata's operator tool, for what etcdctl cannot reach
// (multi-level keys, timelines, compare-and-set by version, paged scans,
// cluster status, snapshots), plus get/put/del and watch. The only file
// that includes CLI11 (slow to compile).
//
// Each group of subcommands is added by one function below; a new group
// adds its own function and a command module like kv_commands.cc.
#include <CLI/CLI.hpp>
#include <functional>

#include "commands.h"

namespace strata::ctl {
namespace {

constexpr const char* kFooter = R"(Exit codes: 0 ok, 1 error, 2 usage, 3 not found,
4 precondition failed (version mismatch, exists, conflict), 5 cluster unavailable
or deadline exceeded, 6 authentication or permission.
With --hex every key, value, id and payload is given and printed as hex digits;
otherwise arguments are taken as they are and bytes outside printable ASCII
print as \xNN. With -w json every command prints one JSON document on stdout
(one per event for watch; bytes in the same form); errors stay on stderr.
Every command takes --help.)";

using Action = std::function<int()>;

// Where the parser puts subcommand arguments; one subcommand runs, so its
// groups share the fields.
struct Args {
  std::string primary, secondary, value, key, id, payload, start, end;
  int64_t lease = 0, rev = 0;
  int64_t limit = 0, timestamp = 0, expect = 0, page_size = 500;
  int64_t from = client::kBeginningOfTime, to = client::kEndOfTime;
  bool desc = false;
};

void AddMlk(CLI::App& app, const Globals& g, Args& a, Action* action) {
  auto* mlk =
      app.add_subcommand("mlk", "Multi-level keys (primary, secondary)")->require_subcommand(1);
  auto* put = mlk->add_subcommand("put", "Set the value of (PRIMARY, SECONDARY)");
  put->add_option("PRIMARY", a.primary)->required();
  put->add_option("SECONDARY", a.secondary)->required();
  put->add_option("VALUE", a.value)->required();
  put->callback([&g, &a, action] {
    *action = [&g, &a] { return MlkPut(g, a.primary, a.secondary, a.value); };
  });
  auto* get = mlk->add_subcommand("get", "Print the value of (PRIMARY, SECONDARY)");
  get->add_option("PRIMARY", a.primary)->required();
  get->add_option("SECONDARY", a.secondary)->required();
  get->callback(
      [&g, &a, action] { *action = [&g, &a] { return MlkGet(g, a.primary, a.secondary); }; });
  auto* scan = mlk->add_subcommand("scan", "List every secondary of PRIMARY in order");
  scan->add_option("PRIMARY", a.primary)->required();
  scan->add_option("--limit", a.limit, "At most this many (0: all)");
  scan->callback(
      [&g, &a, action] { *action = [&g, &a] { return MlkScan(g, a.primary, a.limit); }; });
}

void AddTimeline(CLI::App& app, const Globals& g, Args& a, Action* action) {
  auto* tl =
      app.add_subcommand("timeline", "Time-ordered messages under a key")->require_subcommand(1);
  auto* create = tl->add_subcommand("create", "Create an empty timeline");
  create->add_option("KEY", a.key)->required();
  create->callback([&g, &a, action] { *action = [&g, &a] { return TimelineCreate(g, a.key); }; });
  auto* append = tl->add_subcommand("append", "Add a message (ids are unique per timeline)");
  append->add_option("KEY", a.key)->required();
  append->add_option("ID", a.id)->required();
  append->add_option("TIMESTAMP", a.timestamp, "Integer, in your unit")->required();
  append->add_option("PAYLOAD", a.payload)->required();
  append->callback([&g, &a, action] {
    *action = [&g, &a] { return TimelineAppend(g, a.key, a.id, a.timestamp, a.payload); };
  });
  auto* query = tl->add_subcommand("query", "Messages with FROM <= timestamp < TO, in time order");
  query->add_option("KEY", a.key)->required();
  query->add_option("--from", a.from, "First timestamp (default: the beginning)");
  query->add_option("--to", a.to, "End timestamp, excluded (default: the end)");
  query->add_option("--limit", a.limit, "At most this many (0: all)");
  query->add_flag("--desc", a.desc, "Newest first");
  query->callback([&g, &a, action] {
    *action = [&g, &a] { return TimelineQuery(g, a.key, a.from, a.to, a.limit, a.desc); };
  });
  auto* stats = tl->add_subcommand("stats", "Message count, bytes, first and last timestamp");
  stats->add_option("KEY", a.key)->required();
  stats->callback([&g, &a, action] { *action = [&g, &a] { return TimelineStats(g, a.key); }; });
}

void AddKv(CLI::App& app, const Globals& g, Args& a, Action* action) {
  auto* get = app.add_subcommand("get", "Print KEY's value (exit 3 if absent)");
  get->add_option("KEY", a.key)->required();
  get->callback([&g, &a, action] { *action = [&g, &a] { return Get(g, a.key); }; });
  auto* put = app.add_subcommand("put", "Set KEY's value");
  put->add_option("KEY", a.key)->required();
  put->add_option("VALUE", a.value)->required();
  put->add_option("--lease", a.lease, "Attach KEY to this lease id (decimal; 0: none)");
  put->callback(
      [&g, &a, action] { *action = [&g, &a] { return Put(g, a.key, a.value, a.lease); }; });
  auto* del = app.add_subcommand("del", "Delete KEY; prints how many were deleted (0 or 1)");
  del->add_option("KEY", a.key)->required();
  del->callback([&g, &a, action] { *action = [&g, &a] { return Del(g, a.key); }; });
  auto* cas = app.add_subcommand("txn-cas", "Put VALUE only if KEY's version is N (0: absent)");
  cas->add_option("KEY", a.key)->required();
  cas->add_option("VALUE", a.value)->required();
  cas->add_option("--expect-version", a.expect, "The version KEY must have")->required();
  cas->callback(
      [&g, &a, action] { *action = [&g, &a] { return TxnCas(g, a.key, a.value, a.expect); }; });
  auto* scan = app.add_subcommand("scan", "Keys of [START, END) in order, page by page");
  scan->add_option("START", a.start, "First key (\"\": the beginning)")->required();
  scan->add_option("END", a.end, "End key, excluded (\"\": the end)")->required();
  scan->add_option("--limit", a.limit, "At most this many keys (0: all)");
  scan->add_option("--page-size", a.page_size, "Keys per round trip");
  scan->callback([&g, &a, action] {
    *action = [&g, &a] { return Scan(g, a.start, a.end, a.limit, a.page_size); };
  });
}

void AddSnapshot(CLI::App& app, const Globals& g, Args& a, Action* action) {
  auto* snapshot = app.add_subcommand("snapshot", "Backups")->require_subcommand(1);
  auto* save = snapshot->add_subcommand(
      "save", "Stream the first endpoint's state into FILE (checked against its SHA-256)");
  save->add_option("FILE", a.key, "Where to write; FILE.part until complete")->required();
  save->callback([&g, &a, action] { *action = [&g, &a] { return SnapshotSave(g, a.key); }; });
  auto* restore = snapshot->add_subcommand(
      "restore", "Write a snapshot file's state into a new data directory (offline)");
  restore->add_option("FILE", a.key, "A file from `etcdctl/stratactl snapshot save`")->required();
  restore->add_option("--data-dir", a.value, "The new member's data directory")->required();
  restore->add_flag("--skip-hash-check", a.desc, "Accept a file without its SHA-256 trailer");
  restore->callback([&g, &a, action] {
    *action = [&g, &a] { return SnapshotRestore(g, a.key, a.value, a.desc); };
  });
}

void AddWatch(CLI::App& app, const Globals& g, Args& a, Action* action) {
  auto* watch =
      app.add_subcommand("watch", "Print KEY's changes as they happen (PUT/DELETE lines)");
  watch->add_option("KEY", a.key)->required();
  watch->add_flag("--prefix", a.desc, "Every key that starts with KEY");
  watch->add_option("--rev", a.rev, "From this revision (0: changes from now)");
  watch->add_option("--count", a.limit, "Exit after this many events (0: never)");
  watch->callback(
      [&g, &a, action] { *action = [&g, &a] { return Watch(g, a.key, a.desc, a.rev, a.limit); }; });
}

void AddStatus(CLI::App& app, const Globals& g, Action* action) {
  app.add_subcommand("status", "Members, leader, revision and database size")
      ->callback([&g, action] { *action = [&g] { return Status(g); }; });
}

}  // namespace
}  // namespace strata::ctl

int main(int argc, char** argv) {
  using namespace strata::ctl;
  CLI::App app{"stratactl: Strata's operator tool"};
  app.footer(kFooter);
  app.require_subcommand(1);
  Globals g;
  app.add_option("--endpoints", g.endpoints,
                 "Members' client addresses (host:port, comma-separated)")
      ->delimiter(',');
  app.add_option("--timeout", g.timeout, "Deadline of each call (500ms, 5s, 1m)");
  app.add_flag("--hex", g.hex, "Keys, values, ids and payloads in hexadecimal");
  std::string write_out = "simple";
  app.add_option("-w,--write-out", write_out, "Output form: simple or json")
      ->check(CLI::IsMember({"simple", "json"}));
  app.add_flag("--serializable", g.serializable, "Read from the member answering (may be stale)");
  app.add_flag("!--no-discovery", g.discover, "Use only the given endpoints");
  app.add_option("--cacert", g.cacert, "CA bundle (PEM): connect with TLS");
  app.add_option("--cert", g.cert, "Client certificate (PEM)");
  app.add_option("--key", g.key, "Client key (PEM)");
  app.add_option("--user", g.user, "User name, or name:password");
  app.add_option("--password", g.password, "Password (if not in --user)");
  Args args;
  Action action;
  AddMlk(app, g, args, &action);
  AddTimeline(app, g, args, &action);
  AddKv(app, g, args, &action);
  AddStatus(app, g, &action);
  AddWatch(app, g, args, &action);
  AddSnapshot(app, g, args, &action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  g.json = write_out == "json";
  return action ? action() : kExitUsage;
}
