// migrate against a real PostgreSQL 15: fresh runs, re-runs, failures, targets, schemas.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "strata/checksum.hpp"

namespace strata::test {
namespace {

std::string sample_dir() { return std::string(STRATA_SOURCE_DIR) + "/migrations"; }

TEST(Migrate, FreshDatabaseGetsEverySampleMigrationAndFlywayRows) {
  TestDatabase db;
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", sample_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("Successfully applied 4 migrations to schema \"public\", now at version v2"),
            std::string::npos)
      << r.out;

  Rows rows = db.query(
      "SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time >= 0, "
      "success FROM flyway_schema_history ORDER BY installed_rank");
  ASSERT_EQ(rows.size(), 4u);
  auto checksum_of = [](const std::string& file) {
    return std::to_string(flyway_checksum(read_file(sample_dir() + "/" + file)));
  };
  const std::vector<Row> expected{
      {"1", "1", "init", "SQL", "V1__init.sql", checksum_of("V1__init.sql"), "postgres", "t", "t"},
      {"2", "1.1", "add index", "SQL", "V1.1__add_index.sql", checksum_of("V1.1__add_index.sql"), "postgres", "t", "t"},
      {"3", "2", "order functions", "SQL", "V2__order_functions.sql", checksum_of("V2__order_functions.sql"),
       "postgres", "t", "t"},
      {"4", std::nullopt, "customer views", "SQL", "R__customer_views.sql", checksum_of("R__customer_views.sql"),
       "postgres", "t", "t"},
  };
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM customer_summary"), "2");
  EXPECT_EQ(db.scalar("SELECT full_name FROM customer WHERE email = 'zoë@example.com'"), "Zoë Ünal");
}

TEST(Migrate, HistoryTableHasFlywaysExactShape) {
  TestDatabase db;
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", sample_dir()}).exit_code, 0);
  Rows cols = db.query(
      "SELECT column_name, data_type, coalesce(character_maximum_length::text, ''), is_nullable, "
      "coalesce(column_default, '') FROM information_schema.columns "
      "WHERE table_schema = 'public' AND table_name = 'flyway_schema_history' ORDER BY ordinal_position");
  const std::vector<Row> expected{
      {"installed_rank", "integer", "", "NO", ""},
      {"version", "character varying", "50", "YES", ""},
      {"description", "character varying", "200", "NO", ""},
      {"type", "character varying", "20", "NO", ""},
      {"script", "character varying", "1000", "NO", ""},
      {"checksum", "integer", "", "YES", ""},
      {"installed_by", "character varying", "100", "NO", ""},
      {"installed_on", "timestamp without time zone", "", "NO", "now()"},
      {"execution_time", "integer", "", "NO", ""},
      {"success", "boolean", "", "NO", ""},
  };
  EXPECT_EQ(cols, expected);
  EXPECT_EQ(db.scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'flyway_schema_history_pk'"),
            "PRIMARY KEY (installed_rank)");
  EXPECT_EQ(db.scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'flyway_schema_history_s_idx'"),
            "CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history USING btree (success)");
}

TEST(Migrate, SecondRunIsANoOpAndNeedsNoLock) {
  TestDatabase db;
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", sample_dir()}).exit_code, 0);
  // Hold the migration lock elsewhere: a run with nothing to do must not wait for it.
  auto holder = db.hold_migration_lock();
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", sample_dir(), "--lock-wait-timeout", "1s"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("is up to date"), std::string::npos) << r.out;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "4");
}

TEST(Migrate, FailureStopsRollsBackThatMigrationAndKeepsEarlierOnes) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__one.sql", "CREATE TABLE one (id int);\n");
  dir.write("V2__two.sql", "CREATE TABLE two (id int);\nINSERT INTO two VALUES (1);\n");
  dir.write("V3__three.sql",
            "CREATE TABLE three (id int);\n"
            "INSERT INTO three VALUES (1);\n"
            "\n"
            "SELECT *\n  FROM no_such_table;\n"
            "CREATE TABLE three_b (id int);\n");
  dir.write("V4__four.sql", "CREATE TABLE four (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V3__three.sql:5:8:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("relation \"no_such_table\" does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("42P01"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history"), "1,2");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM two"), "1");
  EXPECT_EQ(db.scalar("SELECT to_regclass('three') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT to_regclass('four') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE NOT success"), "0");

  // The fix is a new file content; the next run carries on from V3.
  dir.write("V3__three.sql", "CREATE TABLE three (id int);\n");
  RunResult again = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "1,2,3,4");
}

TEST(Migrate, ErrorWithoutPositionNamesTheStatementLineAndDetail) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__t.sql", "CREATE TABLE t (id int PRIMARY KEY);\n");
  dir.write("V2__dup.sql", "INSERT INTO t VALUES (1);\n-- again\nINSERT INTO t\n  VALUES (1);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("V2__dup.sql:3:"), std::string::npos) << r.err;  // the INSERT's line, not its comment's
  EXPECT_NE(r.err.find("23505"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DETAIL: Key (id)=(1) already exists."), std::string::npos) << r.err;
}

TEST(Migrate, RaisedExceptionCarriesHint) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__raise.sql",
            "DO $$ BEGIN RAISE EXCEPTION 'nope' USING HINT = 'try again', ERRCODE = 'P0001'; END $$;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HINT: try again"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("P0001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("V1__raise.sql:1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CONTEXT: PL/pgSQL function inline_code_block line 1 at RAISE"), std::string::npos) << r.err;
}

TEST(Migrate, TargetStopsAtAVersionAndRepeatablesStillRun) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V1_1__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V2__c.sql", "CREATE TABLE c (id int);\n");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--target", "1.1"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("now at version v1.1"), std::string::npos) << r.out;
  EXPECT_EQ(db.scalar("SELECT string_agg(coalesce(version, 'R'), ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "1,1.1,R");
  EXPECT_EQ(db.scalar("SELECT to_regclass('c') IS NULL"), "t");
}

// Flyway's validateOnMigrate fails on an unapplied version below the current one ("Ignored");
// ignoring it is a choice the user states with *:ignored, applying it one made with out-of-order.
TEST(Migrate, LowerUnappliedVersionFailsValidationUnlessIgnoredOrOutOfOrder) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V2__b.sql: version 2 is not applied and is below the current version 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--out-of-order"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('b') IS NULL"), "t");

  RunResult skip = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(),
                               "--ignore-migration-patterns=*:ignored"});
  EXPECT_EQ(skip.exit_code, 0) << skip.all();
  EXPECT_NE(skip.err.find("Ignoring migration V2__b.sql"), std::string::npos) << skip.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('b') IS NULL"), "t");

  RunResult ooo = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--out-of-order"});
  EXPECT_EQ(ooo.exit_code, 0) << ooo.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history"), "1,3,2");
}

TEST(Migrate, MissingSchemaIsCreatedAndRecordedAsFlywayDoes) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "App Data"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  Rows schema_row = db.query(
      "SELECT installed_rank, version, description, type, script, checksum, execution_time, success "
      "FROM \"App Data\".flyway_schema_history WHERE installed_rank = 0");
  ASSERT_EQ(schema_row.size(), 1u);
  EXPECT_EQ(schema_row[0], (Row{"0", std::nullopt, "<< Flyway Schema Creation >>", "SCHEMA", "\"App Data\"",
                                std::nullopt, "0", "t"}));
  // Unqualified names in the migration land in the default schema.
  EXPECT_EQ(db.scalar("SELECT to_regclass('\"App Data\".a') IS NOT NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT version FROM \"App Data\".flyway_schema_history WHERE installed_rank = 1"), "1");
}

// The schemas and the history table are created by one message in one transaction: a statement
// failing part-way (here the table, whose name a composite type already takes) leaves nothing,
// not even the schema created before it.
TEST(Migrate, CreatingTheHistoryFailingPartWayLeavesNoSchemaBehind) {
  TestDatabase db;
  db.session().exec("CREATE SCHEMA app; CREATE TYPE app.flyway_schema_history AS (a int)");
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app,audit"});
  EXPECT_NE(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind IN ('r', 'i')"), "0");
  EXPECT_EQ(db.scalar("SELECT to_regclass('app.a') IS NULL"), "t");
  EXPECT_EQ(db.advisory_locks(), "0");
  // The session is usable after the rollback: once the name is free, the same run goes through.
  db.session().exec("DROP TYPE app.flyway_schema_history");
  RunResult again = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app,audit"});
  ASSERT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(db.scalar("SELECT script FROM app.flyway_schema_history WHERE installed_rank = 0"), "\"audit\"");
}

TEST(Migrate, EveryMissingSchemaIsCreatedAndListedInTheSchemaRow) {
  TestDatabase db;
  db.session().exec("CREATE SCHEMA existing");
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata(
      {"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app,existing,audit"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT script FROM app.flyway_schema_history WHERE installed_rank = 0"), "\"app\",\"audit\"");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', 'existing', 'audit')"), "3");
}

TEST(Migrate, NoSchemaRowWhenTheSchemaAlreadyExisted) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE type = 'SCHEMA'"), "0");
}

TEST(Migrate, CustomTableName) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--table", "schema_log"})
                .exit_code,
            0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_log"), "1");
  EXPECT_EQ(db.scalar("SELECT to_regclass('flyway_schema_history') IS NULL"), "t");
}

TEST(Migrate, RepeatableRerunsWhenItsFileChanges) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__t.sql", "CREATE TABLE t (id int);\n");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n");
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NULL"), "1");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 2 AS x;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NULL"), "2");
  EXPECT_EQ(db.scalar("SELECT x FROM v"), "2");
}

}  // namespace
}  // namespace strata::test
