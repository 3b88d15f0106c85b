// Migration sets the way teams write them: nested folders, BOM and CRLF files, every kind of
// quoting the PostgreSQL grammar has, files that are not migrations, and syntax errors.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace strata::test {
namespace {

TEST(RealWorld, TrickySqlAppliesAndIsRecordedWithRelativeScripts) {
  TestDatabase db;
  TempDir dir;
  dir.write("README.md", "# migrations\n");
  dir.write("V1__base.sql.conf", "executeInTransaction=true\n");
  dir.write("notes.txt", "not a migration\n");
  dir.write("V1__base.sql", "\xEF\xBB\xBF-- leading BOM\r\nCREATE TABLE \"Odd;Name\" (\"semi;colon\" text);\r\n");
  dir.write("release1/V1_1__functions.sql",
            "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql IMMUTABLE\n"
            "BEGIN ATOMIC\n  SELECT i + 1;\nEND;\n\n"
            "CREATE FUNCTION greet(who text) RETURNS text LANGUAGE plpgsql AS $fn$\n"
            "BEGIN\n  RETURN 'hi; ' || who || $$!$$;\nEND;\n$fn$;\n"
            "/* a /* nested */ comment; with semicolons */\n"
            "INSERT INTO \"Odd;Name\" VALUES (E'it\\'s; fine'), ('dollar $ sign; ok'), ($q$quoted;$q$);\n");
  dir.write("release1/nested/V2__data.sql",
            "DO $$\nBEGIN\n  PERFORM add_one(1);\n  RAISE NOTICE 'ok; done';\nEND\n$$;\n"
            "COMMENT ON TABLE \"Odd;Name\" IS 'Zoë''s table; ünïcode ✓';\n");
  dir.write("R__views.sql", "CREATE OR REPLACE VIEW odd_view AS SELECT count(*) AS n FROM \"Odd;Name\"\n");

  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", "filesystem:" + dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("DB: ok; done"), std::string::npos) << r.out;
  EXPECT_EQ(db.scalar("SELECT string_agg(script, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "V1__base.sql,release1/V1_1__functions.sql,release1/nested/V2__data.sql,R__views.sql");
  EXPECT_EQ(db.scalar("SELECT n FROM odd_view"), "3");
  EXPECT_EQ(db.scalar("SELECT add_one(41)"), "42");
  EXPECT_EQ(db.scalar("SELECT greet('you')"), "hi; you!");
  EXPECT_EQ(db.scalar("SELECT obj_description('\"Odd;Name\"'::regclass)"), "Zoë's table; ünïcode ✓");
}

TEST(RealWorld, SyntaxErrorIsReportedAtItsFileLineAndColumn) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__ok.sql", "CREATE TABLE ok (id int);\n");
  dir.write("V2__typo.sql",
            "CREATE TABLE a (id int);\n"
            "\n"
            "-- the next statement has a typo\n"
            "CREATE TABLE b (\n"
            "    id int,\n"
            "    name txt NOT NULL,\n"
            "    CONSTRAINT b_pk PRIMRY KEY (id)\n"
            ");\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  // Found at pre-flight by the parser (the server is PostgreSQL 15): nothing runs, not even V1.
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V2__typo.sql:7:21:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("syntax error at or near \"PRIMRY\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("42601"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL AND to_regclass('ok') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT to_regclass('flyway_schema_history') IS NULL"), "t");
}

TEST(RealWorld, UnknownTypeErrorPointsIntoAMultiLineStatement) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__types.sql",
            "CREATE TABLE a (id int);\n"
            "CREATE TABLE b (\n"
            "    id int,\n"
            "    name txt NOT NULL\n"
            ");\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V1__types.sql:4:10:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("type \"txt\" does not exist"), std::string::npos) << r.err;
}

TEST(RealWorld, EmptyLocationCreatesTheHistoryAndIsUpToDate) {
  TestDatabase db;
  TempDir dir;
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("up to date"), std::string::npos) << r.out;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "0");
  RunResult info = run_strata({"info", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(info.exit_code, 0) << info.all();
}

TEST(RealWorld, SearchPathKeepsPublicVisibleWhenMigratingAnotherSchema) {
  TestDatabase db;
  db.session().exec("CREATE TABLE public.shared_lookup (code text)");
  db.session().exec("INSERT INTO public.shared_lookup VALUES ('x')");
  TempDir dir;
  dir.write("V1__copy.sql", "CREATE TABLE local_copy AS SELECT code FROM shared_lookup;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "tenant"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM tenant.local_copy"), "1");
}

}  // namespace
}  // namespace strata::test
