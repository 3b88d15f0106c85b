// Several runners at once (ECS tasks, two engineers): each migration is applied exactly once.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace strata::test {
namespace {

TEST(Concurrency, EightProcessesApplyTwentyMigrationsExactlyOnce) {
  TestDatabase db;
  TempDir dir;
  dir.write("V0__counter.sql", "CREATE TABLE applied (version int NOT NULL);\n");
  for (int v = 1; v <= 20; ++v) {
    // A short sleep widens the window in which a second runner could slip in.
    dir.write("V" + std::to_string(v) + "__step_" + std::to_string(v) + ".sql",
              "SELECT pg_sleep(0.02);\nINSERT INTO applied VALUES (" + std::to_string(v) + ");\n");
  }
  std::vector<int> pids;
  TempDir logs;
  for (int i = 0; i < 8; ++i) {
    pids.push_back(spawn_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()},
                                logs.path() / ("run" + std::to_string(i))));
  }
  int applied_total = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    std::string out = read_file(logs.path() / ("run" + std::to_string(i)));
    int code = wait_exit(pids[i]);
    out = read_file(logs.path() / ("run" + std::to_string(i)));
    EXPECT_EQ(code, 0) << out;
    auto pos = out.find("Successfully applied ");
    if (pos != std::string::npos) applied_total += std::stoi(out.substr(pos + 21));
  }
  EXPECT_EQ(applied_total, 21);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM applied"), "20");
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT version) FROM applied"), "20");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "21");
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT version) FROM flyway_schema_history"), "21");
  EXPECT_EQ(db.scalar("SELECT max(installed_rank) = count(*) AND min(installed_rank) = 1 FROM flyway_schema_history"),
            "t");
}

TEST(Concurrency, LockWaitTimeoutExitsFour) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  auto holder = db.hold_migration_lock();
  RunResult r = run_strata(
      {"migrate", "--url", db.url(), "--locations", dir.path().string(), "--lock-wait-timeout", "1s"});
  EXPECT_EQ(r.exit_code, 4) << r.all();
  EXPECT_NE(r.err.find("migration lock"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL"), "t");
}

TEST(Concurrency, LockIsASessionLockOnItsOwnConnectionAndIsReleased) {
  TestDatabase db;
  TempDir dir;
  // While the migration runs, the advisory lock must be held by a different backend than the
  // one running the migration, and as a session (not transaction) lock.
  dir.write("V1__probe.sql",
            "CREATE TABLE probe AS SELECT l.pid <> pg_backend_pid() AS other_backend, l.granted "
            "FROM pg_locks l WHERE l.locktype = 'advisory' "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM probe WHERE other_backend AND granted"), "1");
  EXPECT_EQ(db.advisory_locks(), "0");
}

}  // namespace
}  // namespace strata::test
