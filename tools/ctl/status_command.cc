// status: members, leader, revision and database size, one line per member.
#include <cstdio>
#include <iostream>

#include "commands.h"

namespace strata::ctl {
namespace {

std::string Hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

}  // namespace

int Status(const Globals& g) {
  int code = kExitOk;
  auto client = Connect(g, &code);
  if (!client) return code;
  auto r = client->status();
  if (!r.ok()) return Fail(r.error());
  bool all_reachable = true;
  for (const auto& st : r->statuses) all_reachable &= st.reachable;
  const int exit_code = r->leader_id != 0 && all_reachable ? kExitOk : kExitUnavailable;
  if (g.json) {
    nlohmann::json members = nlohmann::json::array();
    for (const auto& st : r->statuses) {
      nlohmann::json m = {
          {"endpoint", st.endpoint}, {"id", Hex(st.member_id)}, {"reachable", st.reachable}};
      for (const auto& member : r->members) {
        if (member.id == st.member_id) m["name"] = member.name;
      }
      if (st.reachable) {
        m["leader"] = st.member_id == r->leader_id;
        m["revision"] = st.revision;
        m["db_size"] = st.db_size;
        m["raft_term"] = st.raft_term;
        m["raft_index"] = st.raft_index;
      } else {
        m["error"] = st.error;
      }
      members.push_back(std::move(m));
    }
    PrintJson({{"members", members},
               {"leader", r->leader_id ? Hex(r->leader_id) : ""},
               {"revision", r->revision}});
    return exit_code;
  }
  std::printf("%-22s %-16s %-8s %-6s %-10s %-12s %-9s %s\n", "ENDPOINT", "ID", "NAME", "LEADER",
              "REVISION", "DB SIZE", "RAFT TERM", "RAFT INDEX");
  for (const auto& st : r->statuses) {
    std::string name;
    for (const auto& m : r->members) {
      if (m.id == st.member_id) name = m.name;
    }
    if (!st.reachable) {
      std::printf("%-22s %-16s %-8s unreachable: %s\n", st.endpoint.c_str(),
                  Hex(st.member_id).c_str(), name.c_str(), st.error.c_str());
      continue;
    }
    std::printf("%-22s %-16s %-8s %-6s %-10lld %-12lld %-9llu %llu\n", st.endpoint.c_str(),
                Hex(st.member_id).c_str(), name.c_str(),
                st.member_id == r->leader_id ? "true" : "false",
                static_cast<long long>(st.revision), static_cast<long long>(st.db_size),
                static_cast<unsigned long long>(st.raft_term),
                static_cast<unsigned long long>(st.raft_index));
  }
  std::printf("members: %zu, leader: %s, revision: %lld\n", r->members.size(),
              r->leader_id ? Hex(r->leader_id).c_str() : "none",
              static_cast<long long>(r->revision));
  return exit_code;
}

}  // namespace strata::ctl
