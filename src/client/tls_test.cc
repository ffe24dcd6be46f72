// TLS towards a fake member with certificates made by openssl for the test:
// server authentication by CA, client certificates, and the failures.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/fake_etcd_server.h"
#include "strata/client.h"

namespace strata::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeEtcdServer;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CA, and server and client certificates it signed, in a temp directory.
class Certificates {
 public:
  Certificates() {
    char tmpl[] = "/tmp/strata-client-tls-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/san.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    ok_ =
        Sh("openssl req -x509 " + key + " -keyout ca.key -out ca.pem -days 2 -subj /CN=ca") &&
        Sh("openssl req -x509 " + key + " -keyout other.key -out other.pem -days 2 -subj /CN=o") &&
        Sign("server") && Sign("client");
  }
  ~Certificates() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  bool Sh(const std::string& cmd) {
    return std::system(("cd " + dir_ + " && " + cmd + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool Sign(const std::string& who) {
    return Sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + who +
              ".key -out " + who + ".csr -subj /CN=" + who) &&
           Sh("openssl x509 -req -in " + who +
              ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + who +
              ".pem -days 2 -extfile san.ext");
  }
  std::string dir_;
  bool ok_ = false;
};

std::shared_ptr<grpc::ServerCredentials> ServerTls(const Certificates& c, bool require_client) {
  grpc::SslServerCredentialsOptions o(
      require_client ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                     : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  o.pem_root_certs = Slurp(c.path("ca.pem"));
  o.pem_key_cert_pairs.push_back({Slurp(c.path("server.key")), Slurp(c.path("server.pem"))});
  return grpc::SslServerCredentials(o);
}

Result<std::unique_ptr<Client>> ConnectWith(const FakeEtcdServer& server,
                                            std::optional<TlsOptions> tls) {
  ClientOptions options;
  options.endpoints = {"https://" + server.target()};
  options.tls = std::move(tls);
  options.connect_timeout = 1s;
  return Client::Connect(options);
}

TEST(TlsTest, ServerAuthenticatedByCa) {
  Certificates certs;
  ASSERT_TRUE(certs.ok()) << "openssl failed";
  FakeEtcdServer server(ServerTls(certs, false));
  auto client = ConnectWith(server, TlsOptions{.ca_file = certs.path("ca.pem")});
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  ASSERT_TRUE((*client)->put("k", "v").ok());

  auto wrong_ca = ConnectWith(server, TlsOptions{.ca_file = certs.path("other.pem")});
  ASSERT_FALSE(wrong_ca.ok());
  EXPECT_EQ(wrong_ca.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(ConnectWith(server, std::nullopt).ok()) << "plaintext to a TLS member";
}

TEST(TlsTest, ClientCertificate) {
  Certificates certs;
  ASSERT_TRUE(certs.ok()) << "openssl failed";
  FakeEtcdServer server(ServerTls(certs, true));
  auto with_cert = ConnectWith(server, TlsOptions{.ca_file = certs.path("ca.pem"),
                                                  .cert_file = certs.path("client.pem"),
                                                  .key_file = certs.path("client.key")});
  ASSERT_TRUE(with_cert.ok()) << with_cert.error().ToString();
  EXPECT_TRUE((*with_cert)->put("k", "v").ok());
  EXPECT_FALSE(ConnectWith(server, TlsOptions{.ca_file = certs.path("ca.pem")}).ok());
}

TEST(TlsTest, BadTlsOptionsAreInvalidArguments) {
  FakeEtcdServer server;
  auto missing = ConnectWith(server, TlsOptions{.ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
  auto half = ConnectWith(server, TlsOptions{.cert_file = "/tmp/x.pem"});
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata::client
