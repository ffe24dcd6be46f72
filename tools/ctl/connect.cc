// What every stratactl command shares: the client, argument bytes, errors.
#include <cstdio>
#include <iostream>

#include "commands.h"

namespace strata::ctl {

std::optional<std::string> ArgBytes(const Globals& g, const std::string& text,
                                    const std::string& what) {
  auto bytes = ParseBytes(text, g.bytes());
  if (!bytes) std::cerr << "Error: " << what << " is not hexadecimal: " << text << "\n";
  return bytes;
}

int Fail(const client::Error& error) {
  std::cerr << "Error: " << error.ToString() << "\n";
  if (error.Is(client::ErrorCode::kVersionMismatch)) {
    std::cerr << "current version: " << error.current_version() << "\n";
  }
  return ExitCodeFor(error);
}

client::ReadOptions ReadOpts(const Globals& g) {
  client::ReadOptions r;
  r.consistency =
      g.serializable ? client::Consistency::kSerializable : client::Consistency::kLinearizable;
  r.timeout = *ParseDuration(g.timeout);  // Checked in Connect.
  return r;
}

std::unique_ptr<client::Client> Connect(const Globals& g, int* exit_code) {
  auto timeout = ParseDuration(g.timeout);
  if (!timeout || timeout->count() == 0) {
    std::cerr << "Error: bad --timeout " << g.timeout << " (say 500ms, 5s or 1m)\n";
    *exit_code = kExitUsage;
    return nullptr;
  }
  client::ClientOptions options;
  options.endpoints = g.endpoints;
  options.discover_members = g.discover;
  options.default_timeout = *timeout;
  options.connect_timeout = *timeout;
  if (!g.cacert.empty() || !g.cert.empty()) {
    options.tls = client::TlsOptions{.ca_file = g.cacert, .cert_file = g.cert, .key_file = g.key};
  }
  if (!g.user.empty()) {
    client::Credentials c;
    const size_t colon = g.user.find(':');
    c.username = g.user.substr(0, colon);
    c.password = colon == std::string::npos ? g.password : g.user.substr(colon + 1);
    options.credentials = c;
  }
  auto client = client::Client::Connect(options);
  if (!client.ok()) {
    *exit_code = Fail(client.error());
    return nullptr;
  }
  return std::move(client).value();
}

}  // namespace strata::ctl
