// Migrations PostgreSQL refuses in a transaction block, on a real server: concurrent index builds
// beside the migration lock, mixed files, what a failed one leaves and how repair follows the
// printed clean-up, transaction control in DO blocks, and Flyway's group.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "execute/shared.hpp"
#include "harness.hpp"
#include "strata/history.hpp"
#include "strata/strategy.hpp"

namespace strata::test {
namespace {

std::vector<std::string> migrate_args(const TestDatabase& db, const TempDir& dir) {
  return {"migrate", "--url", db.url(), "--locations", dir.path().string()};
}

TEST(NonTransactional, AConcurrentIndexBuildNeverWaitsOnTheMigrationLockOrOnAnotherWaitingRunner) {
  TestDatabase db;
  TempDir dir, logs;
  dir.write("V1__table.sql", "CREATE TABLE t (x int);\nINSERT INTO t SELECT generate_series(1, 1000);\n");
  dir.write("V2__index.sql", "CREATE INDEX CONCURRENTLY t_x ON t (x);\n");
  auto holder = db.hold_migration_lock();  // another runner holds the lock: both strata wait for it
  std::vector<std::string> args = migrate_args(db, dir);
  args.insert(args.end(), {"--lock-wait-timeout", "30s"});
  const int first = spawn_strata(args, logs.path() / "first");
  const int second = spawn_strata(args, logs.path() / "second");
  for (int i = 0; i < 100; ++i) {
    if (read_file(logs.path() / "first").find("Waiting for the migration lock") != std::string::npos &&
        read_file(logs.path() / "second").find("Waiting for the migration lock") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  holder.reset();
  // One strata holds the lock on its own connection while its session builds the index and the
  // other polls for it: a lock held in a transaction, or a waiting runner idle in one, would make
  // CREATE INDEX CONCURRENTLY wait until the waiter gave up (exit 4).
  EXPECT_EQ(wait_exit(first), 0) << read_file(logs.path() / "first");
  EXPECT_EQ(wait_exit(second), 0) << read_file(logs.path() / "second");
  EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"), "t");
  EXPECT_EQ(db.scalar("SELECT string_agg(script || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "V1__table.sql:true,V2__index.sql:true");
  EXPECT_EQ(db.advisory_locks(), "0");
}

TEST(NonTransactional, AMixedFileIsRefusedBeforeAnyWriteAndAppliesWithMixedTrue) {
  TestDatabase db;
  TempDir dir;
  const std::string path =
      dir.write("V1__mixed.sql", "CREATE TABLE t (x int);\n\nCREATE INDEX CONCURRENTLY t_x ON t (x);\nINSERT INTO t VALUES (1);\n")
          .string();
  RunResult r = run_strata(migrate_args(db, dir));
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find(path + ":3: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and line 1's "
                              "statement needs one; split the file, or set mixed=true"),
            std::string::npos)
      << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");

  std::vector<std::string> args = migrate_args(db, dir);
  args.push_back("-mixed=true");
  r = run_strata(args);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "1");
}

TEST(NonTransactional, AFailedConcurrentBuildNamesItsInvalidIndexAndRepairFollowsThePrintedDrop) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__table.sql", "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);\n");
  dir.write("V2__unique.sql", "CREATE INDEX CONCURRENTLY t_plain ON t (x);\nCREATE UNIQUE INDEX CONCURRENTLY t_x ON t (x);\n");
  RunResult r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V2__unique.sql:2:"), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("1 statement of V2__unique.sql ran before it and stays applied (line 1), as it runs outside a transaction"),
            std::string::npos) << r.all();
  EXPECT_NE(r.err.find("it left the INVALID index \"public\".\"t_x\""), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("HINT: DROP INDEX CONCURRENTLY \"public\".\"t_x\"; undo what stays applied; strata repair"),
            std::string::npos) << r.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(script || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "V1__table.sql:true,V2__unique.sql:false");
  EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"), "f");

  r = run_strata(migrate_args(db, dir));  // the failed row stops the next run
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("version 2 (unique) is recorded as failed in the schema history"), std::string::npos) << r.all();

  db.session().exec("DROP INDEX CONCURRENTLY \"public\".\"t_x\"");
  db.session().exec("DROP INDEX CONCURRENTLY \"public\".\"t_plain\"");
  r = run_strata({"repair", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  db.session().exec("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t)");
  r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass AND indisvalid"), "2");
}

// The error the pipeline reads: repair_safe only when nothing of the migration remains.
MigrationFailed failure_of(TestDatabase& db, const std::string& sql, bool mixed = false) {
  HistoryTable history(db.session(), {"public", "flyway_schema_history"});
  history.create();
  ResolvedMigration m;
  m.version = Version::parse("2");
  m.description = "x";
  m.script = "V2__x.sql";
  m.path = "V2__x.sql";
  m.sql = sql;
  ExecuteOptions options;
  options.installed_by = "test";
  options.routing.mixed = mixed;
  try {
    execute_plan(db.session(), history, {&m}, options);
  } catch (const MigrationFailed& e) {
    return e;
  }
  throw std::runtime_error("the migration did not fail");
}

TEST(NonTransactional, RepairIsSafeOnlyWhenTheFailureLeftNothing) {
  TestDatabase db;
  db.session().exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (1)");
  const MigrationFailed nothing_left = failure_of(db, "VACUUM no_such_table;\n");
  EXPECT_TRUE(nothing_left.repair_safe) << nothing_left.detail;
  EXPECT_NE(nothing_left.detail.find("no statement of V2__x.sql had run"), std::string::npos) << nothing_left.detail;
  EXPECT_EQ(db.scalar("SELECT success FROM flyway_schema_history WHERE version = '2'"), "f");

  TestDatabase other;
  other.session().exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (1)");
  const MigrationFailed index_left = failure_of(other, "CREATE UNIQUE INDEX CONCURRENTLY u ON t (x);\n");
  EXPECT_FALSE(index_left.repair_safe);
  EXPECT_NE(index_left.hint.find("DROP INDEX CONCURRENTLY \"public\".\"u\";"), std::string::npos) << index_left.hint;
}

TEST(NonTransactional, AMixedFileThatFailsRollsBackOnlyItsOpenTransactionAndSaysWhatStays) {
  TestDatabase db;
  const MigrationFailed e = failure_of(db,
      "CREATE TABLE m (x int);\nCREATE INDEX CONCURRENTLY m_x ON m (x);\nINSERT INTO m VALUES (1);\n"
      "INSERT INTO m VALUES ('two');\n", true);
  EXPECT_EQ(e.line, 4);
  EXPECT_FALSE(e.repair_safe);
  EXPECT_NE(e.detail.find("2 statements of V2__x.sql ran before it and stay applied (lines 1, 2)"), std::string::npos)
      << e.detail;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM m"), "0");  // line 3 was in the transaction line 4 ended
  EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'm_x'::regclass"), "t");
  EXPECT_EQ(db.scalar("SELECT success FROM flyway_schema_history WHERE version = '2'"), "f");
}

TEST(NonTransactional, ADoBlockThatCommitsIsRefusedWithItsLineAndRunsWithExecuteInTransactionFalse) {
  TestDatabase db;
  TempDir dir;
  const std::string path = dir.write("V1__batches.sql",
                                     "CREATE TABLE b (n int);\nDO $$\nBEGIN\n  INSERT INTO b VALUES (1);\n  COMMIT;\n"
                                     "  INSERT INTO b VALUES (2);\n  ROLLBACK;\nEND $$;\n").string();
  RunResult r = run_strata(migrate_args(db, dir));
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find(path + ":2: this DO block commits inside it at line 5, which PostgreSQL allows only outside a "
                              "transaction block; set executeInTransaction=false for this script (V1__batches.sql.conf)"),
            std::string::npos) << r.all();
  dir.write("V1__batches.sql.conf", "executeInTransaction=false\n");
  r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(n::text, ',') FROM b"), "1");
}

TEST(NonTransactional, GroupRollsEveryMigrationBackAndRefusesANonTransactionalOne) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (x int);\n");
  dir.write("V2__b.sql", "INSERT INTO a VALUES (1);\n");
  dir.write("V3__c.sql", "INSERT INTO a VALUES ('not a number');\n");
  std::vector<std::string> args = migrate_args(db, dir);
  args.push_back("-group=true");
  RunResult r = run_strata(args);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("group=true: every migration of this run was rolled back with it"), std::string::npos) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'a'"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "0");

  dir.write("V3__c.sql", "CREATE INDEX CONCURRENTLY a_x ON a (x);\n");
  r = run_strata(args);
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("group=true runs every pending migration in one transaction, but V3__c.sql runs outside a transaction"),
            std::string::npos) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "0");

  dir.write("V3__c.sql", "INSERT INTO a VALUES (3);\n");
  r = run_strata(args);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(x::text, ',' ORDER BY x) FROM a"), "1,3");
}

}  // namespace
}  // namespace strata::test
