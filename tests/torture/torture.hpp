#pragma once
// Torture-suite helpers on top of the integration harness: scale, schema dumps, migration sets,
// servers of their own, and the figures each case prints.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace strata::test {

// STRATA_TORTURE_SCALE (default 1) multiplies the counts of the repeated cases.
int torture_scale();
// Prints "[torture] <figures>" so a run shows what it reached ("[torture] FAILED, attempted: …"
// when the current test has failed).
void figures(const std::string& text);

// `pg_dump --schema-only` of a fixture database: compared before and after a failing run.
std::string schema_dump(const std::string& database);

// V1..V<count>: each creates table t<n> and inserts one row into it.
void write_table_migrations(const TempDir& dir, int count, int first = 1);
// For every migration V1..V<count>: its table exists exactly when its success row does.
// Returns "" or a description of the first mismatch.
std::string objects_match_history(TestDatabase& db, int count);
std::string objects_match_history(Session& session, int count);

std::vector<std::string> migrate_args(const TestDatabase& db, const TempDir& dir);

// Waits up to `limit` for `pid`; returns its exit code, or -1 after killing it when it hangs.
int wait_exit_within(int pid, std::chrono::milliseconds limit);

// A PostgreSQL 15 of its own (scripts/pg-throwaway) for cases that stop, restart or reconfigure
// the server. Stopped and removed by the destructor.
class OwnServer {
 public:
  OwnServer();
  ~OwnServer();
  void stop();
  void start();
  void restart_fast();
  // Runs `sql` as the superuser over the socket (psql), returns its trimmed output.
  std::string psql(const std::string& sql, const std::string& database = "postgres") const;
  std::string url(const std::string& database = "postgres", const std::string& host = "127.0.0.1") const;
  // A superuser session over the socket.
  std::unique_ptr<Session> session(const std::string& database = "postgres") const;
  const std::string& password() const { return password_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  void pg_ctl(const std::string& action) const;
  TempDir state_;
  std::string socket_, port_, password_;
  std::filesystem::path data_dir_;
};

// Runs a shell command, returns its exit status; output to `out` when given.
int shell(const std::string& command, std::string* out = nullptr);

}  // namespace strata::test
