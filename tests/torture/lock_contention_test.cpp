// Another session holds what strata needs: strata says, every interval, who and what it waits for.
#include <gtest/gtest.h>

#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

using namespace std::chrono_literals;

int backend_pid(Session& s) { return std::stoi(*s.query("SELECT pg_backend_pid()")[0][0]); }

TEST(TortureLockContention, AHeldMigrationLockIsReportedWithItsHolderEveryInterval) {
  TestDatabase db;
  TempDir dir, logs;
  write_table_migrations(dir, 2);
  auto holder = db.hold_migration_lock();
  const std::string holder_pid = std::to_string(backend_pid(*holder));
  const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
  std::this_thread::sleep_for(7s);  // the default report interval (5 s) plus slack
  holder.reset();
  EXPECT_EQ(wait_exit_within(pid, 30s), 0);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_NE(out.find("Waiting for the migration lock on \"public\".\"flyway_schema_history\", held by pid " + holder_pid),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Still waiting after 5s for the migration lock"), std::string::npos) << out;
  EXPECT_EQ(objects_match_history(db, 2), "");
  figures("lock contention: migration lock held 7 s by pid " + holder_pid +
          ": strata named the holder at once and again after 5 s, then applied 2 migrations");
}

TEST(TortureLockContention, AStatementBlockedByATableLockNamesTheBlockerAndItsQuery) {
  TestDatabase db;
  TempDir dir, logs;
  db.session().exec("CREATE SCHEMA other; CREATE TABLE other.contested (id int)");
  dir.write("V1__alter.sql", "ALTER TABLE other.contested ADD COLUMN note text;\n");
  Session holder(db.settings());
  const std::string holder_pid = std::to_string(backend_pid(holder));  // before the LOCK: its last query
  holder.exec("BEGIN");
  holder.exec("LOCK TABLE other.contested IN ACCESS EXCLUSIVE MODE");
  const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
  std::this_thread::sleep_for(7s);
  holder.exec("COMMIT");
  EXPECT_EQ(wait_exit_within(pid, 30s), 0);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_NE(out.find("is blocked by pid " + holder_pid), std::string::npos) << out;
  EXPECT_NE(out.find("query: LOCK TABLE other.contested IN ACCESS EXCLUSIVE MODE"), std::string::npos) << out;
  figures("lock contention: a table lock held 7 s by pid " + holder_pid + ": strata named the blocker and its query");
}

// With --lock-timeout the migration gives up its place in the lock queue instead of blocking all
// traffic behind it, tries again with backoff, and in the end fails naming the blocker.
// V1 alters a table another session holds ACCESS EXCLUSIVE in an open transaction.
struct ContestedTable {
  TestDatabase db;
  TempDir dir;
  Session holder{db.settings()};
  std::string holder_pid;

  ContestedTable() {
    db.session().exec("CREATE SCHEMA other; CREATE TABLE other.contested (id int)");
    dir.write("V1__alter.sql", "ALTER TABLE other.contested ADD COLUMN note text;\n");
    holder_pid = std::to_string(backend_pid(holder));
    holder.exec("BEGIN");
    holder.exec("LOCK TABLE other.contested IN ACCESS EXCLUSIVE MODE");
  }
  std::vector<std::string> migrate_with_lock_timeout(const std::string& retries) const {
    std::vector<std::string> args = migrate_args(db, dir);
    args.insert(args.end(), {"--lock-timeout", "300ms", "--lock-retries", retries});
    return args;
  }
  std::string note_columns() {
    return db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'contested' AND "
                     "column_name = 'note'");
  }
};

TEST(TortureLockContention, LockTimeoutRetriesThenFailsNamingTheBlockerAndAppliesNothing) {
  ContestedTable t;
  TestDatabase& db = t.db;
  const std::string& holder_pid = t.holder_pid;
  const RunResult r = run_strata(t.migrate_with_lock_timeout("2"));
  t.holder.exec("ROLLBACK");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("(3 attempts, each rolled back; last blocked by PID " + holder_pid), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SQLSTATE 55P03"), std::string::npos) << r.err;
  std::size_t retries = 0;
  for (std::size_t at = r.all().find("gave up waiting for a lock"); at != std::string::npos;
       at = r.all().find("gave up waiting for a lock", at + 1)) {
    ++retries;
  }
  EXPECT_EQ(retries, 2u) << r.all();
  EXPECT_EQ(t.note_columns(), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE success"), "0");
  figures("lock contention: --lock-timeout 300ms, 2 retries against pid " + holder_pid +
          ": 3 attempts, each rolled back, a failure naming the blocker, nothing applied");
}

TEST(TortureLockContention, LockTimeoutRetrySucceedsOnceTheBlockerCommits) {
  ContestedTable t;
  TestDatabase& db = t.db;
  TempDir logs;
  const int pid = spawn_strata(t.migrate_with_lock_timeout("8"), logs.path() / "out");
  // Held until strata has given up once (a fixed wait could end before a loaded machine's strata
  // even reaches the ALTER), then a while longer.
  for (int i = 0; i < 600 && read_file(logs.path() / "out").find("gave up waiting for a lock") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(500ms);
  t.holder.exec("COMMIT");
  EXPECT_EQ(wait_exit_within(pid, 60s), 0) << read_file(logs.path() / "out");
  const std::string out = read_file(logs.path() / "out");
  EXPECT_NE(out.find("gave up waiting for a lock after 0.3s (attempt 1 of 9)"), std::string::npos) << out;
  EXPECT_EQ(t.note_columns(), "1");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success"), "1");
  figures("lock contention: a blocker held until strata gave up once against --lock-timeout 300ms: retried, then applied once");
}

}  // namespace
}  // namespace strata::test
