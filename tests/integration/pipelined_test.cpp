// The pipelined strategy against the real server: one round trip per migration, and a failure in
// the middle named at its line and column with nothing of its migration left; fast commit keeps
// each history row with its migration.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "strategy_fixture.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"
#include "strata/strategy.hpp"

namespace strata::test {
namespace {

ResolvedMigration migration(const std::string& version, const std::string& sql) {
  return test::migration(version, "step", sql);
}

struct Fixture : StrategyFixture {
  Fixture() {
    options.session_reset = "SET ROLE " + quote_ident(db.session().user()) +
                            "; SELECT set_config('search_path', 'public', false)";
  }
  ExecutionResult run(const std::vector<const ResolvedMigration*>& plan) {
    return execute_plan(db.session(), history, plan, options);
  }
  std::string versions() {
    return db.scalar("SELECT coalesce(string_agg(version, ',' ORDER BY installed_rank), '') FROM flyway_schema_history");
  }
};

TEST(Pipelined, EachTransactionalMigrationCostsOneRoundTrip) {
  Fixture f;
  const ResolvedMigration a = migration("1", "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nSET search_path = pg_catalog;\n");
  const ResolvedMigration b = migration("2", "INSERT INTO public.a VALUES (2);\nINSERT INTO public.a VALUES (3);\n");
  const ResolvedMigration c = migration("3", "CREATE VIEW v AS SELECT x FROM a;\n");
  const std::uint64_t before = f.db.session().round_trips();
  f.run({&a, &b, &c});
  // One to prepare the history INSERT, then one per migration.
  EXPECT_EQ(f.db.session().round_trips() - before, 1u + 3u);
  EXPECT_EQ(f.versions(), "1,2,3");
  EXPECT_EQ(f.db.scalar("SELECT string_agg(x::text, ',' ORDER BY x) FROM a"), "1,2,3");
  // V1's SET search_path was undone before V3 ran and before the history rows were written.
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('public.v') IS NOT NULL"), "t");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE installed_by = 'tester' AND "
                        "description = 'step' AND checksum = 42 AND success AND execution_time >= 0"),
            "3");
}

TEST(Pipelined, AFailingStatementInTheMiddleIsNamedAtItsLineAndNothingOfItsMigrationStays) {
  Fixture f;
  const ResolvedMigration ok = migration("1", "CREATE TABLE kept (x int PRIMARY KEY);\nINSERT INTO kept VALUES (1);\n");
  const ResolvedMigration bad = migration(
      "2", "CREATE TABLE gone (x int);\nINSERT INTO gone VALUES (1);\nINSERT INTO kept VALUES (2), (1);\nCREATE TABLE after (y int);\n");
  try {
    f.run({&ok, &bad});
    FAIL() << "the duplicate key went unnoticed";
  } catch (const MigrationFailed& e) {
    EXPECT_EQ(e.file, "V2__step.sql");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.sqlstate, "23505");
    EXPECT_EQ(e.detail, "Key (x)=(1) already exists.");
  }
  EXPECT_EQ(f.versions(), "1");
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('gone') IS NULL AND to_regclass('after') IS NULL"), "t");
  EXPECT_EQ(f.db.scalar("SELECT string_agg(x::text, ',') FROM kept"), "1");
  // The transaction was rolled back: the session takes the next migration.
  const ResolvedMigration next = migration("3", "CREATE TABLE next (z int);\n");
  f.run({&next});
  EXPECT_EQ(f.versions(), "1,3");
}

TEST(Pipelined, AnErrorKeepsTheServersPositionAndHint) {
  Fixture f;
  const ResolvedMigration bad = migration("1", "CREATE TABLE t (x int);\nSELECT 1;\n  SELECT no_such_function(1);\n");
  try {
    f.run({&bad});
    FAIL() << "the missing function went unnoticed";
  } catch (const MigrationFailed& e) {
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.column, 10);
    EXPECT_EQ(e.sqlstate, "42883");
    EXPECT_NE(e.hint.find("No function matches"), std::string::npos) << e.hint;
  }
  EXPECT_EQ(f.versions(), "");
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('t') IS NULL"), "t");
}

TEST(Pipelined, AMigrationThatDeallocatesDoesNotCostTheNextOneItsHistoryRow) {
  Fixture f;
  const ResolvedMigration first = migration("1", "CREATE TABLE a (x int);\n");
  const ResolvedMigration drops = migration("2", "DEALLOCATE ALL;\n");
  const ResolvedMigration after = migration("3", "INSERT INTO a VALUES (3);\n");
  f.run({&first, &drops, &after});
  EXPECT_EQ(f.versions(), "1,2,3");
  EXPECT_EQ(f.db.scalar("SELECT string_agg(x::text, ',') FROM a"), "3");
}

TEST(Pipelined, CopyAndTransactionControlKeepTheStatementByStatementPath) {
  Fixture f;
  RoutingOptions routing;
  const ResolvedMigration copy = migration("1", "CREATE TABLE a (x int);\nCOPY a FROM STDIN;\n1\n\\.\n");
  const ResolvedMigration commit = migration("2", "INSERT INTO a VALUES (2);\nCOMMIT;\n");
  const ResolvedMigration plain = migration("3", "INSERT INTO a VALUES (3);\n");
  const std::vector<PreparedMigration> p = prepare_migrations({&copy, &commit, &plain}, routing);
  EXPECT_FALSE(pipelinable(p[0], f.options));
  EXPECT_FALSE(pipelinable(p[1], f.options));
  EXPECT_TRUE(pipelinable(p[2], f.options));
  ExecuteOptions grouped = f.options;
  grouped.routing.group = true;
  EXPECT_FALSE(pipelinable(p[2], grouped));
}

TEST(FastCommit, EveryMigrationButTheLastSkipsTheFlushAndEachKeepsItsHistoryRow) {
  Fixture f;
  f.options.fast_commit = true;
  f.db.session().exec("SET synchronous_commit = on");  // the test server's default is off
  const ResolvedMigration one = migration("1", "CREATE TABLE seen (v int, sync text);\n"
                                               "INSERT INTO seen VALUES (1, current_setting('synchronous_commit'));\n");
  const ResolvedMigration two = migration("2", "INSERT INTO seen VALUES (2, current_setting('synchronous_commit'));\n");
  const ResolvedMigration three = migration("3", "INSERT INTO seen VALUES (3, current_setting('synchronous_commit'));\n");
  f.run({&one, &two, &three});
  EXPECT_EQ(f.db.scalar("SELECT string_agg(v || ':' || sync, ',' ORDER BY v) FROM seen"), "1:off,2:off,3:on");
  EXPECT_EQ(f.versions(), "1,2,3");
  // The setting was local to each transaction: the session is back to waiting for its flush.
  EXPECT_EQ(f.db.scalar("SHOW synchronous_commit"), "on");

  const ResolvedMigration four = migration("4", "INSERT INTO seen VALUES (4, current_setting('synchronous_commit'));\n");
  const ResolvedMigration bad = migration("5", "INSERT INTO seen VALUES (5, 'x');\nSELECT 1/0;\n");
  EXPECT_THROW(f.run({&four, &bad}), MigrationFailed);
  EXPECT_EQ(f.db.scalar("SELECT string_agg(v || ':' || sync, ',' ORDER BY v) FROM seen"), "1:off,2:off,3:on,4:off");
  EXPECT_EQ(f.versions(), "1,2,3,4");
}

TEST(FastCommit, IsTheFastCommitSwitchOfMigrate) {
  TestDatabase db;
  db.session().exec("ALTER DATABASE " + quote_ident(db.name()) + " SET synchronous_commit = on");
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE seen AS SELECT 1 AS v, current_setting('synchronous_commit') AS sync;\n");
  dir.write("V2__b.sql", "INSERT INTO seen VALUES (2, current_setting('synchronous_commit'));\n");
  RunResult r = run_strata({"migrate", "--fast-commit", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(v || ':' || sync, ',' ORDER BY v) FROM seen"), "1:off,2:on");
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history"), "1,2");
}

}  // namespace
}  // namespace strata::test
