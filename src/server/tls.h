// gRPC credentials from etcd's TLS flags (--cert-file, --key-file,
// --trusted-ca-file, --client-cert-auth and their --peer- twins).
#pragma once

#include <memory>

#include "base/status.h"
#include "server/config.h"

namespace grpc {
class ServerCredentials;
class ChannelCredentials;
}  // namespace grpc

namespace strata::server {

// Credentials for a listener: TLS when files.enabled(), else plain TCP.
// With client_cert_auth, clients must present a certificate that
// trusted_ca_file verifies. Errors: kInvalidArgument naming a file that
// cannot be read (and which flag named it).
Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(const TlsFiles& files,
                                                                      std::string_view flag_prefix);

// Credentials for connecting to peers: TLS verified against
// trusted_ca_file, presenting cert_file. Null when TLS is off.
Result<std::shared_ptr<grpc::ChannelCredentials>> PeerChannelCredentials(const TlsFiles& files);

}  // namespace strata::server
