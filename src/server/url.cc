#include "server/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace strata::server {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Bad(std::string_view flag, std::string_view text, std::string_view why) {
  return Status::InvalidArgument(std::string(flag) + ": bad URL \"" + std::string(text) +
                                 "\": " + std::string(why));
}

// Splits on commas, trims, drops empty pieces.
std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view piece = Trim(text.substr(0, comma));
    if (!piece.empty()) out.push_back(piece);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::string Url::HostPort() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string Url::ToString() const { return scheme + "://" + HostPort(); }

bool Url::unspecified_host() const { return host == "0.0.0.0" || host == "::"; }

Result<Url> ParseUrl(std::string_view flag, std::string_view text) {
  text = Trim(text);
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Bad(flag, text, "expected scheme://host:port");
  Url url;
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return Bad(flag, text, "scheme must be http or https");
  }
  std::string_view authority = text.substr(sep + 3);
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    return Bad(flag, text, "must not contain a path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) {
    return Bad(flag, text, "must not contain user information");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(flag, text, "unterminated [ in host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Bad(flag, text, "missing :port");
    port_text = rest.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) return Bad(flag, text, "missing :port");
    url.host = std::string(authority.substr(0, colon));
    if (url.host.find(':') != std::string::npos) {
      return Bad(flag, text, "IPv6 addresses must be written in brackets");
    }
    port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return Bad(flag, text, "missing host");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    return Bad(flag, text, "port must be a number from 1 to 65535");
  }
  url.port = static_cast<uint16_t>(port);
  return url;
}

Result<std::vector<Url>> ParseUrlList(std::string_view flag, std::string_view text) {
  std::vector<Url> urls;
  for (std::string_view piece : SplitList(text)) {
    Result<Url> url = ParseUrl(flag, piece);
    if (!url.ok()) return url.status();
    if (std::find(urls.begin(), urls.end(), *url) != urls.end()) {
      return Bad(flag, piece, "listed twice");
    }
    urls.push_back(std::move(url).value());
  }
  if (urls.empty()) {
    return Status::InvalidArgument(std::string(flag) + ": at least one URL is required, got \"" +
                                   std::string(text) + "\"");
  }
  return urls;
}

std::string JoinUrls(const std::vector<Url>& urls) {
  std::string out;
  for (const Url& u : urls) {
    if (!out.empty()) out += ",";
    out += u.ToString();
  }
  return out;
}

Result<std::vector<InitialMember>> ParseInitialCluster(std::string_view flag,
                                                       std::string_view text) {
  std::vector<InitialMember> members;
  std::set<Url> seen;
  for (std::string_view entry : SplitList(text)) {
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(std::string(flag) + ": entry \"" + std::string(entry) +
                                     "\" is not name=url");
    }
    std::string name(Trim(entry.substr(0, eq)));
    if (name.empty()) {
      return Status::InvalidArgument(std::string(flag) + ": entry \"" + std::string(entry) +
                                     "\" has an empty member name");
    }
    Result<Url> url = ParseUrl(flag, entry.substr(eq + 1));
    if (!url.ok()) return url.status();
    if (!seen.insert(*url).second) return Bad(flag, entry.substr(eq + 1), "listed twice");
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const InitialMember& m) { return m.name == name; });
    if (it == members.end()) it = members.insert(members.end(), InitialMember{name, {}});
    it->peer_urls.push_back(std::move(url).value());
  }
  if (members.empty()) {
    return Status::InvalidArgument(std::string(flag) + ": no members in \"" + std::string(text) +
                                   "\"");
  }
  return members;
}

}  // namespace strata::server
