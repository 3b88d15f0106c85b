// The server misbehaves mid-run: a clear error or success, never a half state; a re-run converges.
#include <gtest/gtest.h>

#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

using namespace std::chrono_literals;

constexpr int kSlowMigrations = 10;

void write_slow_migrations(const TempDir& dir) {
  for (int n = 1; n <= kSlowMigrations; ++n) {
    dir.write("V" + std::to_string(n) + "__t" + std::to_string(n) + ".sql",
              "CREATE TABLE t" + std::to_string(n) + " (id int);\nSELECT pg_sleep(0.15);\n");
  }
}

// strata's connections to `database` (all but the test's own), oldest first, once there are `at_least`.
std::vector<std::string> strata_backends(Session& observer, const std::string& database, const std::string& own_pid,
                                         std::size_t at_least) {
  std::vector<std::string> pids;
  for (int i = 0; i < 300 && pids.size() < at_least; ++i) {
    pids.clear();
    for (const Row& r : observer.query("SELECT pid::text FROM pg_stat_activity WHERE datname = $1 AND pid <> "
                                       "pg_backend_pid() AND pid <> $2::int AND backend_type = 'client backend' "
                                       "ORDER BY backend_start",
                                       {database, own_pid})) {
      pids.push_back(*r[0]);
    }
    if (pids.size() < at_least) std::this_thread::sleep_for(10ms);
  }
  return pids;
}

bool has_error_line(const std::string& text) { return text.find("ERROR: ") != std::string::npos; }

TEST(TortureServerFaults, TerminatingEachOfStratasConnectionsMidRunLeavesNoHalfState) {
  int terminated = 0;
  std::string outcomes;
  for (std::size_t victim = 0; victim < 2; ++victim) {
    TestDatabase db;
    TempDir dir, logs;
    write_slow_migrations(dir);
    const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
    Session observer(db.settings());
    std::this_thread::sleep_for(400ms);  // a few migrations in
    const std::vector<std::string> backends =
        strata_backends(observer, db.name(), db.scalar("SELECT pg_backend_pid()"), 2);
    ASSERT_GT(backends.size(), victim) << read_file(logs.path() / "out");
    observer.query("SELECT pg_terminate_backend($1::int)", {backends[victim]});
    ++terminated;
    const int code = wait_exit_within(pid, 30s);
    const std::string out = read_file(logs.path() / "out");
    outcomes += "connection " + std::to_string(victim + 1) + ": exit " + std::to_string(code) + "; ";
    EXPECT_NE(code, -1) << "hung after its connection was terminated:\n" << out;
    if (code != 0) EXPECT_TRUE(has_error_line(out)) << out;
    EXPECT_EQ(objects_match_history(db, kSlowMigrations), "") << out;
    for (int i = 0; i < 50 && db.advisory_locks() != "0"; ++i) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(db.advisory_locks(), "0");
    const RunResult rerun = run_strata(migrate_args(db, dir));
    EXPECT_EQ(rerun.exit_code, 0) << rerun.all();
    EXPECT_EQ(objects_match_history(db, kSlowMigrations), "");
  }
  figures("server faults: terminated each of strata's " + std::to_string(terminated) + " connections mid-run (" +
          outcomes + "), no half-applied migration, no lock left, re-runs converged");
}

TEST(TortureServerFaults, FastRestartMidRunThenAReRunConverges) {
  OwnServer pg;
  pg.psql("CREATE DATABASE faults");
  TempDir dir, logs;
  write_slow_migrations(dir);
  const std::vector<std::string> args = {"migrate", "--url", pg.url("faults"), "--locations", dir.path().string()};
  const std::map<std::string, std::string> env = {{"PGPASSWORD", pg.password()}};
  const int pid = spawn_strata_with_env(args, logs.path() / "out", env);
  std::this_thread::sleep_for(500ms);
  pg.restart_fast();
  const int code = wait_exit_within(pid, 60s);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_NE(code, -1) << out;
  if (code != 0) EXPECT_TRUE(has_error_line(out)) << out;
  EXPECT_EQ(objects_match_history(*pg.session("faults"), kSlowMigrations), "") << out;
  const int rerun_pid = spawn_strata_with_env(args, logs.path() / "rerun", env);
  EXPECT_EQ(wait_exit_within(rerun_pid, 60s), 0) << read_file(logs.path() / "rerun");
  EXPECT_EQ(objects_match_history(*pg.session("faults"), kSlowMigrations), "");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM public.flyway_schema_history WHERE success", "faults"),
            std::to_string(kSlowMigrations));
  figures("server faults: fast restart 500 ms into a run: exit " + std::to_string(code) +
          " with an ERROR line, no half-applied migration, re-run applied all " + std::to_string(kSlowMigrations));
}

TEST(TortureServerFaults, ServerNotYetUpAtStartIsWaitedForWithConnectRetries) {
  OwnServer pg;
  pg.psql("CREATE DATABASE late");
  pg.stop();
  TempDir dir, logs;
  write_table_migrations(dir, 3);
  const std::map<std::string, std::string> env = {{"PGPASSWORD", pg.password()}};
  const std::vector<std::string> base = {"migrate", "--url", pg.url("late"), "--locations", dir.path().string()};
  // Without retries: exit 3 at once, naming the refused connection.
  const int no_retry = spawn_strata_with_env(base, logs.path() / "no_retry", env);
  EXPECT_EQ(wait_exit_within(no_retry, 20s), 3) << read_file(logs.path() / "no_retry");
  EXPECT_NE(read_file(logs.path() / "no_retry").find("ERROR: cannot connect"), std::string::npos);

  std::vector<std::string> with_retries = base;
  with_retries.insert(with_retries.end(), {"--connect-retries", "10", "--connect-retries-interval", "2"});
  const int pid = spawn_strata_with_env(with_retries, logs.path() / "out", env);
  std::this_thread::sleep_for(2500ms);
  pg.start();
  const int code = wait_exit_within(pid, 60s);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("retrying in"), std::string::npos) << out;
  EXPECT_EQ(objects_match_history(*pg.session("late"), 3), "");
  figures("server faults: server down at start: exit 3 without retries; with --connect-retries it retried while "
          "the server came up 2.5 s later and applied 3 migrations");
}

}  // namespace
}  // namespace strata::test
