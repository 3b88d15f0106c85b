// Migrations of several megabytes, which strata splits, judges and sends batch by batch (streamed):
// the history gets the checksum of the whole file, and a failure near the end is still named at
// its line with nothing of the migration left, whichever strategy sends it.
#include <gtest/gtest.h>

#include <string>

#include "harness.hpp"
#include "strata/checksum.hpp"

namespace strata::test {
namespace {

// A BOM, CRLF and LF lines, multibyte names, a function and a DO block among `rows` one-line
// INSERTs into `table`; several megabytes for a few tens of thousands of rows. Line 1 creates the
// table, line 1 + i inserts row i (the function and DO block come after row `rows`).
std::string big_script(const std::string& table, int rows) {
  std::string sql = "\xEF\xBB\xBF" "CREATE TABLE " + table + " (id int PRIMARY KEY, name text NOT NULL, pad text);\n";
  const std::string pad(60, 'p');
  for (int i = 1; i <= rows; ++i) {
    sql += "INSERT INTO " + table + " (id, name, pad) VALUES (" + std::to_string(i) + ", 'n\xC3\xA4me \xE2\x82\xAC " +
           std::to_string(i) + "', '" + pad + "');";
    sql += i % 3 == 0 ? "\r\n" : "\n";
  }
  sql += "CREATE FUNCTION " + table + "_count() RETURNS bigint LANGUAGE plpgsql AS $$\nBEGIN\n"
         "  RETURN (SELECT count(*) FROM " + table + ");\nEND;\n$$;\n";
  sql += "DO $$ BEGIN PERFORM 1; END $$;\n";
  return sql;
}

std::string applied_versions(TestDatabase& db) {
  return db.scalar("SELECT coalesce(string_agg(version, ',' ORDER BY installed_rank), '') FROM flyway_schema_history");
}

TEST(LargeFile, AMultiMegabyteMigrationAppliesWithTheWholeFilesChecksum) {
  TestDatabase db;
  TempDir dir;
  const std::string sql = big_script("big", 40000);
  ASSERT_GT(sql.size(), 4u << 20);
  dir.write("V1__big.sql", sql);
  dir.write("V2__after.sql", "CREATE TABLE after_big (x int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(applied_versions(db), "1,2");
  EXPECT_EQ(db.scalar("SELECT checksum FROM flyway_schema_history WHERE version = '1'"),
            std::to_string(flyway_checksum(sql)));
  EXPECT_EQ(db.scalar("SELECT big_count()"), "40000");
  EXPECT_EQ(db.scalar("SELECT name FROM big WHERE id = 39999"), "n\xC3\xA4me \xE2\x82\xAC 39999");
  RunResult check = run_strata({"validate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(check.exit_code, 0) << check.all();
}

TEST(LargeFile, AFailureNearTheEndIsNamedAtItsLineAndNothingOfTheMigrationStays) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__small.sql", "CREATE TABLE kept (x int);\n");
  std::string sql = big_script("doomed", 40000);
  // Line 39,995 + 1 inserts id 39,995 again, in place of a fresh row near the end.
  const std::string fresh = "VALUES (39996, ";
  sql.replace(sql.find(fresh), fresh.size(), "VALUES (39995, ");
  dir.write("V2__doomed.sql", sql);
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V2__doomed.sql:39997:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("23505"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DETAIL: Key (id)=(39995) already exists."), std::string::npos) << r.err;
  EXPECT_EQ(applied_versions(db), "1");
  EXPECT_EQ(db.scalar("SELECT to_regclass('doomed') IS NULL AND to_regprocedure('doomed_count()') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE NOT success"), "0");
}

TEST(LargeFile, WithCopyRowsAndPlaceholdersItRunsStatementByStatementAndStillPointsIntoTheFile) {
  // COPY needs the server's answer before the rows: the in-transaction strategy sends it, still
  // batch by batch. The placeholder's value is longer than its name, so positions in the sent
  // text differ from the file's.
  TestDatabase db;
  TempDir dir;
  std::string sql = "CREATE TABLE ${table_name} (id int PRIMARY KEY, name text);\n"
                    "COPY ${table_name} (id, name) FROM STDIN;\n1\tone\n2\ttwo\n\\.\n";
  sql += big_script("other", 40000).substr(3);  // without its BOM
  sql += "INSERT INTO ${table_name} VALUES (2, 'again');\n";
  const int failing_line = 5 + 40000 + 1 + 5 + 1 + 1;
  dir.write("V1__copy.sql", sql);
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(),
                            "--placeholders.table_name=a_rather_long_table_name"});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("V1__copy.sql:" + std::to_string(failing_line) + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DETAIL: Key (id)=(2) already exists."), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a_rather_long_table_name') IS NULL AND to_regclass('other') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '1'"), "0");

  // Without the duplicate it applies, with the checksum of the file as written.
  sql.resize(sql.rfind("INSERT INTO ${table_name}"));
  dir.write("V1__copy.sql", sql);
  RunResult ok = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(),
                             "--placeholders.table_name=a_rather_long_table_name"});
  ASSERT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_EQ(db.scalar("SELECT checksum FROM flyway_schema_history WHERE version = '1'"),
            std::to_string(flyway_checksum(sql)));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM a_rather_long_table_name"), "2");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM other"), "40000");
}

}  // namespace
}  // namespace strata::test
