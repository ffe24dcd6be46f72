#include "server/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace strata::server {
namespace {

using ::testing::HasSubstr;

TEST(Url, ParsesHostAndPort) {
  Result<Url> u = ParseUrl("--x", " HTTPS://Example.com:2379 ");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "Example.com");  // Go keeps the host's case; ids depend on it.
  EXPECT_EQ(u->port, 2379);
  EXPECT_TRUE(u->tls());
  EXPECT_EQ(u->ToString(), "https://Example.com:2379");
}

TEST(Url, ParsesBracketedIpv6) {
  Result<Url> u = ParseUrl("--x", "http://[::1]:2380");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->HostPort(), "[::1]:2380");
  EXPECT_EQ(u->ToString(), "http://[::1]:2380");
  EXPECT_TRUE(ParseUrl("--x", "http://[::]:2380")->unspecified_host());
  EXPECT_TRUE(ParseUrl("--x", "http://0.0.0.0:2380")->unspecified_host());
}

TEST(Url, RejectsWhatEtcdRejects) {
  for (const char* bad :
       {"127.0.0.1:2379", "unix://sock:1", "ftp://a:1", "http://a", "http://a:", "http://a:0",
        "http://a:65536", "http://a:12x", "http://:2379", "http://a:1/", "http://a:1/path",
        "http://a:1?q", "http://u@a:1", "http://::1:2379", "http://[::1:2379"}) {
    Result<Url> u = ParseUrl("--listen-client-urls", bad);
    EXPECT_FALSE(u.ok()) << bad;
    EXPECT_TRUE(u.status().Is(StatusCode::kInvalidArgument));
    EXPECT_THAT(u.status().message(), HasSubstr("--listen-client-urls"));
    EXPECT_THAT(u.status().message(), HasSubstr(bad));
  }
}

TEST(Url, ParsesLists) {
  Result<std::vector<Url>> urls = ParseUrlList("--x", "http://a:1, https://b:2,");
  ASSERT_TRUE(urls.ok());
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ(JoinUrls(*urls), "http://a:1,https://b:2");
  EXPECT_FALSE(ParseUrlList("--x", "").ok());
  EXPECT_FALSE(ParseUrlList("--x", " , ").ok());
  EXPECT_THAT(ParseUrlList("--x", "http://a:1,http://a:1").status().message(),
              HasSubstr("listed twice"));
}

TEST(InitialCluster, GroupsUrlsByNameInOrderOfAppearance) {
  Result<std::vector<InitialMember>> m =
      ParseInitialCluster("--initial-cluster",
                          "infra1=http://10.0.0.2:2380,infra0=http://10.0.0.1:2380,"
                          "infra1=https://10.0.1.2:2380,infra2=http://10.0.0.3:2380");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].name, "infra1");
  ASSERT_EQ((*m)[0].peer_urls.size(), 2u);
  EXPECT_EQ((*m)[0].peer_urls[1].ToString(), "https://10.0.1.2:2380");
  EXPECT_EQ((*m)[1].name, "infra0");
  EXPECT_EQ((*m)[2].name, "infra2");
}

TEST(InitialCluster, RejectsMalformedEntries) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c :
       {Case{"", "no members"}, Case{"infra0", "is not name=url"},
        Case{"=http://a:1", "empty member name"}, Case{"a=http://a", "missing :port"},
        Case{"a=http://a:1,b=http://a:1", "listed twice"}}) {
    Result<std::vector<InitialMember>> m = ParseInitialCluster("--initial-cluster", c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_THAT(m.status().message(), HasSubstr("--initial-cluster")) << c.text;
    EXPECT_THAT(m.status().message(), HasSubstr(c.message)) << c.text;
  }
}

}  // namespace
}  // namespace strata::server
