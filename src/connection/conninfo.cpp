// libpq parameters written out: the conninfo strata connects with, and the URL it shows.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "connection/parts.hpp"
#include "libpq.hpp"
#include "strata/log.hpp"

namespace strata::connection {
namespace {

// libpq keyword=value syntax: quote when a value is empty or holds whitespace, quote or backslash.
std::string conninfo_value(std::string_view v) {
  bool plain = !v.empty() && std::none_of(v.begin(), v.end(), [](char c) { return is_space(c) || c == '\'' || c == '\\'; });
  if (plain) return std::string(v);
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

struct Server {
  std::string user, host, port, db;
};

// What the string names, with what it leaves out filled from libpq's own defaults (PG* variables,
// OS user), so the display names the server libpq will actually reach.
Server server_of(const Params& params) {
  auto get = [&](std::string_view key) -> std::string {
    const std::string* v = param(params, key);
    return v ? *v : std::string();
  };
  Server s{get("user"), get("host"), get("port"), get("dbname")};
  if (s.host.empty()) s.host = get("hostaddr");
  if (s.user.empty() || s.host.empty() || s.port.empty() || s.db.empty()) {
    if (PQconninfoOption* defaults = libpq().PQconndefaults()) {
      for (PQconninfoOption* o = defaults; o->keyword != nullptr; ++o) {
        if (o->val == nullptr || *o->val == '\0') continue;
        std::string_view k = o->keyword;
        if (k == "user" && s.user.empty()) s.user = o->val;
        else if (k == "host" && s.host.empty()) s.host = o->val;
        else if (k == "port" && s.port.empty()) s.port = o->val;
        else if (k == "dbname" && s.db.empty()) s.db = o->val;
      }
      libpq().PQconninfoFree(defaults);
    }
  }
  if (s.db.empty()) s.db = s.user;  // libpq's rule
  return s;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  if (out.empty()) out.emplace_back();
  return out;
}

}  // namespace

std::string conninfo_of(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += ' ';
    out += k;
    out += '=';
    out += conninfo_value(v);
  }
  return out;
}

std::string display_of(const Params& params) {
  const Server server = server_of(params);
  const std::vector<std::string> hosts = split_commas(server.host);
  const std::vector<std::string> ports = split_commas(server.port);
  std::string out = "postgresql://";
  if (!server.user.empty()) out += percent_encode(server.user) + "@";
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i) out += ',';
    const std::string& h = hosts[i];
    out += h.find(':') != std::string::npos && h.front() != '/' ? "[" + h + "]" : percent_encode(h);
    const std::string& p = ports.size() == hosts.size() ? ports[i] : ports.front();
    if (!p.empty()) out += ":" + p;
  }
  out += '/';
  out += percent_encode(server.db);
  return log::redact(out);
}

}  // namespace strata::connection
