#pragma once
// Integration-test helpers: the fixture's server, one fresh database per test, temp migration
// folders, and running the real strata binary as a child process.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/db.hpp"

namespace strata::test {

struct Server {
  std::string socket_dir;
  std::string port;
  std::string user;
  std::string password;
};

// The server the CTest fixture started (reads PGTEST_DIR/env).
const Server& server();

// A database of its own for one test, dropped at the end.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  const std::string& name() const { return name_; }
  // TCP URL without password (the password comes from PGPASSWORD, as a user would set it).
  std::string url() const;
  // TCP URL that carries the password inside it.
  std::string url_with_password() const;
  ConnectionSettings settings() const;
  Session& session();
  Rows query(const std::string& sql, const std::vector<Value>& params = {});
  std::string scalar(const std::string& sql, const std::vector<Value>& params = {});
  // A session of its own holding Flyway's migration lock for `quoted_table`, as another runner would.
  std::unique_ptr<Session> hold_migration_lock(
      const std::string& quoted_table = "\"public\".\"flyway_schema_history\"") const;
  // How many advisory locks are held in this database (as text, like scalar).
  std::string advisory_locks();
  // `schema`.flyway_schema_history with Flyway 10's PostgreSQL DDL, written out here rather than
  // by strata, so tests see a table as Flyway leaves it.
  void create_flyway_history(const std::string& schema);
  // Appends one row as Flyway writes it: rank, version, description, type, script, checksum,
  // installed_by, installed_on, execution_time, success.
  void insert_flyway_row(const std::string& schema, const std::vector<Value>& row);

 private:
  std::string name_;
  std::unique_ptr<Session> session_;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& relative, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

// Runs build/strata with `args`; PGPASSWORD is set to the server's password unless `env`
// overrides it. `env` entries with an empty value are removed from the environment.
RunResult run_strata(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

// Runs `command_line` with /bin/sh; out holds its stdout and stderr together. For what needs a
// shell around strata: another working directory, a pseudo-terminal, a completion script.
RunResult run_shell(const std::string& command_line);

// Starts strata without waiting; returns the pid. Output goes to files under `dir`.
int spawn_strata(const std::vector<std::string>& args, const std::filesystem::path& out_file);
int wait_exit(int pid);

std::string read_file(const std::filesystem::path& path);

}  // namespace strata::test

namespace strata::test {

// As spawn_strata, with `env` applied as run_strata applies it.
int spawn_strata_with_env(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                          const std::map<std::string, std::string>& env);

}  // namespace strata::test
