// --lock-timeout and --lock-retries against another session's lock: a migration blocked by an
// open transaction gives up after lock_timeout, is rolled back and tried again with the blocker
// named, and applies once the blocker commits; when the retries run out nothing is applied.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.hpp"

namespace strata::test {
namespace {

// A database where V1 made table t, and a second session holding ACCESS EXCLUSIVE on t in an
// open transaction.
struct Blocked {
  TestDatabase db;
  TempDir dir;
  std::unique_ptr<Session> blocker;
  Blocked() {
    dir.write("V1__table.sql", "CREATE TABLE t (a int);\n");
    const RunResult first = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
    EXPECT_EQ(first.exit_code, 0) << first.all();
    dir.write("V2__column.sql", "CREATE TABLE side (a int);\nALTER TABLE t ADD COLUMN b int;\n");
    blocker = std::make_unique<Session>(db.settings());
    blocker->exec("BEGIN");
    blocker->exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  }
  std::vector<std::string> migrate(const std::string& retries) const {
    return {"migrate", "--url", db.url(), "--locations", dir.path().string(), "--lock-timeout", "300ms",
            "--lock-retries", retries};
  }
};

TEST(LockRetry, ABlockedMigrationRetriesNamingTheBlockerAndAppliesOnceItCommits) {
  Blocked b;
  TempDir logs;
  const int pid = spawn_strata(b.migrate("6"), logs.path() / "out");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  b.blocker->exec("COMMIT");
  const int code = wait_exit(pid);
  const std::string out = read_file(logs.path() / "out");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("V2__column.sql: gave up waiting for a lock after 0.3s (attempt 1 of 7), blocked by PID " +
                     std::to_string(b.blocker->backend_pid())),
            std::string::npos) << out;
  EXPECT_NE(out.find("LOCK TABLE t IN ACCESS EXCLUSIVE MODE"), std::string::npos) << out;
  EXPECT_NE(out.find("(attempt 2 of 7)"), std::string::npos) << out;
  EXPECT_EQ(b.db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b'"), "1");
  EXPECT_EQ(b.db.scalar("SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "1:true,2:true");
}

TEST(LockRetry, RetriesExhaustedFailNamingTheBlockerWithNothingApplied) {
  Blocked b;
  const RunResult r = run_strata(b.migrate("1"));
  b.blocker->exec("ROLLBACK");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V2__column.sql:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lock timeout"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(2 attempts, each rolled back; last blocked by PID " + std::to_string(b.blocker->backend_pid())),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SQLSTATE 55P03"), std::string::npos) << r.err;
  EXPECT_EQ(b.db.scalar("SELECT to_regclass('side') IS NULL"), "t");
  EXPECT_EQ(b.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '2'"), "0");
}

TEST(LockRetry, TimeoutsOutliveAMigrationThatResetsThem) {
  TestDatabase db;
  TempDir dir;
  // pg_dump files begin with these; the next migration still runs under strata's timeouts.
  dir.write("V1__dump_like.sql", "SET statement_timeout = 0;\nSET lock_timeout = 0;\n");
  dir.write("V2__probe.sql", "CREATE TABLE probe AS SELECT current_setting('lock_timeout') AS lock_timeout, "
                             "current_setting('statement_timeout') AS statement_timeout, "
                             "current_setting('application_name') AS app;\n");
  const RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(),
                                  "--lock-timeout=5s", "-statementTimeout=10m"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT lock_timeout || ' ' || statement_timeout || ' ' || app FROM probe"), "5s 10min strata");
}

TEST(ApplicationName, IsStrataUnlessTheUserNamesOne) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__probe.sql", "CREATE TABLE probe AS SELECT current_setting('application_name') AS app;\n");
  const RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()},
                                 {{"PGAPPNAME", "nightly-deploy"}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT app FROM probe"), "nightly-deploy");
}

}  // namespace
}  // namespace strata::test
