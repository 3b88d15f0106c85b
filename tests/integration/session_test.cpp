// What one migration does to its session never reaches the next one or the history; and the
// edges of a session (COPY, a dropped connection, time zones) end cleanly.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "harness.hpp"

namespace strata::test {
namespace {

TEST(Session, SetRoleInAMigrationDoesNotReachTheHistoryOrTheNextMigration) {
  TestDatabase db;
  db.session().exec("DO $$ BEGIN CREATE ROLE strata_limited NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  db.session().exec("GRANT CREATE, USAGE ON SCHEMA public TO strata_limited");
  TempDir dir;
  dir.write("V1__as_limited.sql", "SET ROLE strata_limited;\nCREATE TABLE owned_by_limited (id int);\n");
  dir.write("V2__as_owner.sql", "CREATE TABLE owned_by_runner (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_limited'"), "strata_limited");
  EXPECT_EQ(db.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_runner'"), "postgres");
  EXPECT_EQ(db.scalar("SELECT string_agg(installed_by, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "postgres,postgres");
}

TEST(Session, SearchPathSetInAMigrationDoesNotLeakIntoTheNext) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__elsewhere.sql", "CREATE SCHEMA other;\nSET search_path TO other;\nCREATE TABLE in_other (id int);\n");
  dir.write("V2__default.sql", "CREATE TABLE in_public (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT schemaname FROM pg_tables WHERE tablename = 'in_other'"), "other");
  EXPECT_EQ(db.scalar("SELECT schemaname FROM pg_tables WHERE tablename = 'in_public'"), "public");
}

TEST(Session, CopyToStdoutIsRefusedWithoutHanging) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__copy.sql", "CREATE TABLE a (i int);\nINSERT INTO a VALUES (1), (2);\nCOPY a TO STDOUT;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V1__copy.sql:3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("COPY"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL"), "t");
}

TEST(Session, CopyFromStdinWithoutItsRowsIsAnInputErrorBeforeAnythingRuns) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__copy.sql", "CREATE TABLE a (i int);\nCOPY a FROM STDIN;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V1__copy.sql:2:1: COPY ... FROM STDIN has no line `\\.`"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL"), "t");
}

TEST(Session, CopyFromStdinAppliesItsInlineRowsInTheMigrationsTransaction) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__copy.sql", "CREATE TABLE a (i int, t text);\nCOPY a FROM STDIN;\n1\tsemi;colon\n2\t\\\\\n\\.\nSELECT 1;\n");
  dir.write("V2__bad.sql", "INSERT INTO a VALUES (9, 'z');\nCOPY a FROM STDIN;\n3\tok\nfour\tno\n\\.\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V2__bad.sql:4"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT string_agg(i || '=' || t, ',' ORDER BY i) FROM a"), "1=semi;colon,2=\\");
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',') FROM flyway_schema_history WHERE version IS NOT NULL"), "1");
}

TEST(Session, AnUnterminatedQuoteIsAnInputErrorAtItsLineAndNothingRuns) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__ok.sql", "CREATE TABLE ok (id int);\n");
  dir.write("V2__quote.sql", "CREATE TABLE q (t text);\nINSERT INTO q VALUES ('never closed);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V2__quote.sql:2:23: unterminated quoted string"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('ok') IS NULL"), "t");
}

TEST(Session, LostConnectionNamesTheMigrationAndWhatHappenedToIt) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__ok.sql", "CREATE TABLE ok (id int);\n");
  dir.write("V2__dies.sql", "CREATE TABLE half (id int);\nSELECT pg_terminate_backend(pg_backend_pid());\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("V2__dies.sql:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rolled it back"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',') FROM flyway_schema_history"), "1");
  EXPECT_EQ(db.scalar("SELECT to_regclass('half') IS NULL"), "t");
}

TEST(Session, InstalledOnUtcIsUtcWhateverTheSessionTimeZone) {
  TestDatabase db;
  db.session().exec("ALTER DATABASE " + quote_ident(db.name()) + " SET timezone = 'Asia/Tokyo'");
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);
  RunResult r = run_strata({"info", "--url", db.url(), "--locations", dir.path().string(), "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  std::string installed = nlohmann::json::parse(r.out)["migrations"][0]["installedOnUTC"];
  std::string utc_now = db.scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')");
  EXPECT_EQ(installed.substr(0, 13), utc_now) << installed;
}

TEST(Session, MissingTargetVersionIsAnErrorBeforeAnythingRuns) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--target", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("target version 5"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL"), "t");
}

TEST(Session, NonEmptySchemaWithoutHistoryIsRefused) {
  TestDatabase db;
  db.session().exec("CREATE TABLE existing_customers (id int)");
  TempDir dir;
  dir.write("V1__init.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("non-empty schema(s) \"public\""), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('flyway_schema_history') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL"), "t");
}

TEST(Session, ExtensionObjectsDoNotMakeASchemaNonEmpty) {
  TestDatabase db;
  db.session().exec("CREATE EXTENSION IF NOT EXISTS pgcrypto");
  TempDir dir;
  dir.write("V1__init.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

TEST(Session, LongNonAsciiDescriptionIsStoredWhole) {
  TestDatabase db;
  TempDir dir;
  std::string name = "V1__";
  for (int i = 0; i < 110; ++i) name += "\xD1\x8F";
  dir.write(name + ".sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT char_length(description) FROM flyway_schema_history"), "110");
}

TEST(Session, SchemaRowRecordsTheConfiguredInstalledBy) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "fresh",
                        "--installed-by", "deployer"})
                .exit_code,
            0);
  EXPECT_EQ(db.scalar("SELECT string_agg(installed_by, ',' ORDER BY installed_rank) FROM fresh.flyway_schema_history"),
            "deployer,deployer");
}

TEST(Session, HugeLockWaitTimeoutStillWaits) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  auto holder = db.hold_migration_lock();
  TempDir logs;
  int pid = spawn_strata(
      {"migrate", "--url", db.url(), "--locations", dir.path().string(), "--lock-wait-timeout", "9999999999"},
      logs.path() / "out");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  // Still waiting: release the lock and it goes on to apply.
  holder->query("SELECT pg_advisory_unlock_all()");
  EXPECT_EQ(wait_exit(pid), 0) << read_file(logs.path() / "out");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "1");
}

}  // namespace
}  // namespace strata::test
