#include "torture.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace strata::test {
namespace {

const std::string kPgBin = "/usr/lib/postgresql/15/bin";

std::map<std::string, std::string> read_key_values(const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (auto eq = line.find('='); eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// As the server's owner: `postgres` when the tests run as root (initdb refuses root).
std::string as_server_user(const std::string& command) {
  if (::getuid() != 0) return command;
  return "cd / && runuser -u postgres -- " + command;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

int torture_scale() {
  const char* v = std::getenv("STRATA_TORTURE_SCALE");
  const int n = v ? std::atoi(v) : 1;
  return n > 0 ? n : 1;
}

void figures(const std::string& text) {
  // A figure is a claim: after a failed expectation it is printed as what was attempted only.
  std::cout << (::testing::Test::HasFailure() ? "[torture] FAILED, attempted: " : "[torture] ") << text << std::endl;
}

int shell(const std::string& command, std::string* out) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  std::string text;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  const int status = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string schema_dump(const std::string& database) {
  const Server& s = server();
  std::string out;
  const int rc = shell(kPgBin + "/pg_dump --schema-only --no-owner -h " + s.socket_dir + " -p " + s.port + " -U " +
                           s.user + " " + database,
                       &out);
  if (rc != 0) throw std::runtime_error("pg_dump failed: " + out);
  // pg_dump 15.14+ fences its output with \restrict/\unrestrict and a random key on each run.
  std::string stable;
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t end = out.find('\n', at);
    end = end == std::string::npos ? out.size() : end + 1;
    const std::string_view line(out.data() + at, end - at);
    if (!line.starts_with("\\restrict ") && !line.starts_with("\\unrestrict ")) stable.append(line);
    at = end;
  }
  return stable;
}

void write_table_migrations(const TempDir& dir, int count, int first) {
  for (int n = first; n < first + count; ++n) {
    const std::string t = "t" + std::to_string(n);
    dir.write("V" + std::to_string(n) + "__create_" + t + ".sql",
              "CREATE TABLE " + t + " (id int PRIMARY KEY);\nINSERT INTO " + t + " VALUES (" + std::to_string(n) +
                  ");\n");
  }
}

std::string objects_match_history(Session& session, int count) {
  const auto scalar = [&](const std::string& sql, const std::vector<Value>& params = {}) {
    Rows r = session.query(sql, params);
    return r.empty() || r[0].empty() || !r[0][0] ? std::string("<null>") : *r[0][0];
  };
  const bool has_history = scalar("SELECT to_regclass('public.flyway_schema_history') IS NOT NULL") == "t";
  for (int n = 1; n <= count; ++n) {
    const std::string table = scalar("SELECT to_regclass('public.t" + std::to_string(n) + "') IS NOT NULL");
    const std::string recorded =
        has_history ? scalar("SELECT count(*) = 1 FROM public.flyway_schema_history WHERE version = $1 AND success",
                             {std::to_string(n)})
                    : "f";
    if (table != recorded) {
      return "V" + std::to_string(n) + ": table exists=" + table + " but success row=" + recorded;
    }
  }
  return "";
}

std::string objects_match_history(TestDatabase& db, int count) { return objects_match_history(db.session(), count); }

std::vector<std::string> migrate_args(const TestDatabase& db, const TempDir& dir) {
  return {"migrate", "--url", db.url(), "--locations", dir.path().string()};
}

int wait_exit_within(int pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

OwnServer::OwnServer() { start(); }

OwnServer::~OwnServer() {
  std::string ignored;
  shell(std::string(STRATA_SOURCE_DIR) + "/scripts/pg-throwaway stop " + state_.path().string(), &ignored);
}

void OwnServer::start() {
  if (!data_dir_.empty()) {
    pg_ctl("-l " + (data_dir_ / "server.log").string() + " -w -t 60 start -o \"-p " + port_ + " -k " + socket_ +
           " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\"");
    return;
  }
  std::string out;
  if (shell(std::string(STRATA_SOURCE_DIR) + "/scripts/pg-throwaway start " + state_.path().string(), &out) != 0) {
    throw std::runtime_error("cannot start a server of its own: " + out);
  }
  auto env = read_key_values(state_.path() / "env");
  socket_ = env["PGHOST"];
  port_ = env["PGPORT"];
  password_ = env["PGTEST_PASSWORD"];
  data_dir_ = std::filesystem::path(socket_);
}

void OwnServer::stop() { pg_ctl("-m fast -w stop"); }

// With -l: a postmaster started without a log file keeps pg_ctl's output pipe open for ever.
void OwnServer::restart_fast() { pg_ctl("-l " + (data_dir_ / "server.log").string() + " -m fast -w -t 60 restart"); }

void OwnServer::pg_ctl(const std::string& action) const {
  std::string out;
  if (shell(as_server_user(kPgBin + "/pg_ctl -D " + (data_dir_ / "pgdata").string() + " " + action), &out) != 0) {
    throw std::runtime_error("pg_ctl " + action + " failed: " + out);
  }
}

std::string OwnServer::psql(const std::string& sql, const std::string& database) const {
  std::string out;
  const std::string quoted = "'" + [&] {
    std::string q;
    for (char c : sql) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q;
  }() + "'";
  if (shell(kPgBin + "/psql -X -A -t -v ON_ERROR_STOP=1 -h " + socket_ + " -p " + port_ + " -U postgres -d " +
                database + " -c " + quoted,
            &out) != 0) {
    throw std::runtime_error("psql failed: " + out);
  }
  return trimmed(out);
}

std::unique_ptr<Session> OwnServer::session(const std::string& database) const {
  return std::make_unique<Session>(
      ConnectionSettings{"host=" + socket_ + " port=" + port_ + " user=postgres dbname=" + database, database});
}

std::string OwnServer::url(const std::string& database, const std::string& host) const {
  return "postgresql://postgres@" + host + ":" + port_ + "/" + database;
}

}  // namespace strata::test
