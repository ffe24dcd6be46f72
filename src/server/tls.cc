#include "server/tls.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

namespace strata::server {
namespace {

Result<std::string> ReadPem(const std::string& path, std::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (in) out << in.rdbuf();
  if (!in || out.str().empty()) {
    return Status::InvalidArgument("--" + std::string(flag) + "=" + path +
                                   ": cannot read the file (missing, empty or unreadable)");
  }
  return out.str();
}

}  // namespace

Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TlsFiles& files, std::string_view flag_prefix) {
  if (!files.enabled()) return grpc::InsecureServerCredentials();
  std::string prefix(flag_prefix);
  Result<std::string> cert = ReadPem(files.cert_file, prefix + "cert-file");
  if (!cert.ok()) return cert.status();
  Result<std::string> key = ReadPem(files.key_file, prefix + "key-file");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(
      files.client_cert_auth ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                             : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({std::move(*key), std::move(*cert)});
  if (!files.trusted_ca_file.empty()) {
    Result<std::string> ca = ReadPem(files.trusted_ca_file, prefix + "trusted-ca-file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = std::move(*ca);
  }
  return grpc::SslServerCredentials(options);
}

Result<std::shared_ptr<grpc::ChannelCredentials>> PeerChannelCredentials(const TlsFiles& files) {
  if (!files.enabled()) return std::shared_ptr<grpc::ChannelCredentials>();
  grpc::SslCredentialsOptions options;
  Result<std::string> cert = ReadPem(files.cert_file, "peer-cert-file");
  if (!cert.ok()) return cert.status();
  Result<std::string> key = ReadPem(files.key_file, "peer-key-file");
  if (!key.ok()) return key.status();
  options.pem_cert_chain = std::move(*cert);
  options.pem_private_key = std::move(*key);
  if (!files.trusted_ca_file.empty()) {
    Result<std::string> ca = ReadPem(files.trusted_ca_file, "peer-trusted-ca-file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = std::move(*ca);
  }
  return grpc::SslCredentials(options);
}

}  // namespace strata::server
