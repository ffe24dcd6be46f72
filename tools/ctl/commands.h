// stratactl's commands, one function each, free of the command-line parser
// (main.cc parses and calls them). A command that needs the cluster calls
// Connect; offline commands (`snapshot restore`) do not.
//
// Every command prints its result on stdout, errors on stderr, and returns
// the process exit code (format.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "format.h"
#include "output.h"
#include "strata/client.h"

namespace strata::ctl {

// Flags shared by every command.
struct Globals {
  std::vector<std::string> endpoints{"127.0.0.1:2379"};
  std::string timeout = "5s";  // Per call.
  bool discover = true;
  bool hex = false;
  bool serializable = false;
  bool json = false;              // -w json: one JSON document on stdout.
  std::string cacert, cert, key;  // TLS when cacert or cert is set.
  std::string user;               // "name" or "name:password".
  std::string password;

  ByteFormat bytes() const { return ByteFormat{hex}; }
};

// Parses an argument as bytes (Globals::hex), or prints why not.
std::optional<std::string> ArgBytes(const Globals& g, const std::string& text,
                                    const std::string& what);
// A connected client, or nullptr after printing why not (code in *exit_code).
std::unique_ptr<client::Client> Connect(const Globals& g, int* exit_code);
// Prints the error and returns its exit code.
int Fail(const client::Error& error);
client::ReadOptions ReadOpts(const Globals& g);

int Get(const Globals& g, const std::string& key);
int Put(const Globals& g, const std::string& key, const std::string& value, int64_t lease);
int Del(const Globals& g, const std::string& key);

int MlkPut(const Globals& g, const std::string& primary, const std::string& secondary,
           const std::string& value);
int MlkGet(const Globals& g, const std::string& primary, const std::string& secondary);
int MlkScan(const Globals& g, const std::string& primary, int64_t limit);

int TxnCas(const Globals& g, const std::string& key, const std::string& value,
           int64_t expect_version);
int Scan(const Globals& g, const std::string& start, const std::string& end, int64_t limit,
         int64_t page_size);

int TimelineCreate(const Globals& g, const std::string& key);
int TimelineAppend(const Globals& g, const std::string& key, const std::string& id,
                   int64_t timestamp, const std::string& payload);
int TimelineQuery(const Globals& g, const std::string& key, int64_t from, int64_t to, int64_t limit,
                  bool descending);
int TimelineStats(const Globals& g, const std::string& key);

int Status(const Globals& g);

// Prints KEY's changes (every key under KEY with prefix) from from_revision
// (0: from now) until `count` events (0: until interrupted) or an error.
int Watch(const Globals& g, const std::string& key, bool prefix, int64_t from_revision,
          int64_t count);

// Streams a snapshot from the first endpoint into file, checking its
// SHA-256 trailer.
int SnapshotSave(const Globals& g, const std::string& file);

// Offline: restores a snapshot file into a new data directory
// (server/restore.h). Exit codes as the others (2 for a used data dir).
int SnapshotRestore(const Globals& g, const std::string& file, const std::string& data_dir,
                    bool skip_hash_check);

}  // namespace strata::ctl
