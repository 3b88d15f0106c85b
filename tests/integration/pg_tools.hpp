#pragma once
// The PostgreSQL client programs of this machine (pg_dump, psql) run against a test database of
// the fixture's server, as a user would run them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace strata::test {

struct ToolResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

namespace pg_tools_detail {

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace pg_tools_detail

// Runs `tool` ("pg_dump", "psql") with `args` against database `dbname` as the fixture's superuser.
inline ToolResult run_pg_tool(const std::string& tool, const std::string& dbname, const std::vector<std::string>& args) {
  const Server& s = server();
  TempDir dir;
  const auto err_file = dir.path() / "stderr";
  std::string command = "PGPASSWORD=" + pg_tools_detail::shell_quote(s.password) + " " + tool + " -h " + pg_tools_detail::shell_quote(s.socket_dir) +
                        " -p " + s.port + " -U " + pg_tools_detail::shell_quote(s.user) + " -d " + pg_tools_detail::shell_quote(dbname);
  for (const std::string& a : args) command += " " + pg_tools_detail::shell_quote(a);
  command += " 2>" + pg_tools_detail::shell_quote(err_file.string());
  ToolResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 65536> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* err = std::fopen(err_file.c_str(), "rb")) {
    while ((n = std::fread(buffer.data(), 1, buffer.size(), err)) > 0) result.err.append(buffer.data(), n);
    std::fclose(err);
  }
  return result;
}

// `text` without its lines that start with `\restrict ` or `\unrestrict ` (pg_dump 15.14+ writes a
// random key there in every dump).
inline std::string without_restrict_lines(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("\\restrict ", 0) == 0 || line.rfind("\\unrestrict ", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

// pg_dump's plain output of `dbname` with `args` (e.g. {"-s"}), without the \restrict lines.
inline std::string dump_without_restrict_keys(const std::string& dbname, const std::vector<std::string>& args = {}) {
  const ToolResult r = run_pg_tool("pg_dump", dbname, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return without_restrict_lines(r.out);
}

}  // namespace strata::test
