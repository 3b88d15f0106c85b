// What execute decides without a database: scripts refused before anything runs, and errors
// placed at the file's line (through placeholder replacements, and into COPY rows).
#include <gtest/gtest.h>

#include "execute/shared.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

ResolvedMigration migration(const std::string& sql) {
  ResolvedMigration m;
  m.version = Version::parse("1");
  m.description = "x";
  m.script = "V1__x.sql";
  m.path = "db/V1__x.sql";
  m.sql = sql;
  return m;
}

TEST(PrepareMigrations, RefusesAnUnterminatedQuoteAtItsFileLineBeforeAnythingRuns) {
  const ResolvedMigration ok = migration("SELECT 1;");
  const ResolvedMigration bad = migration("SELECT 1;\nINSERT INTO t VALUES ('oops);\n");
  try {
    prepare_migrations({&ok, &bad});
    FAIL() << "the unterminated quote went unnoticed";
  } catch (const InputError& e) {
    EXPECT_EQ(exit_code(e), 2);
    EXPECT_EQ(e.file, "db/V1__x.sql");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 23);
    EXPECT_NE(std::string(e.what()).find("db/V1__x.sql:2:23: unterminated quoted string"), std::string::npos)
        << e.what();
  }
}

TEST(PrepareMigrations, SplitsEveryMigrationAndRoutesOneOfOnlyConcurrentBuildsOutsideATransaction) {
  const ResolvedMigration a = migration("\xEF\xBB\xBF" "CREATE INDEX CONCURRENTLY i ON t (x);\nDROP INDEX CONCURRENTLY j;");
  const ResolvedMigration b = migration("CREATE TABLE t (x int);");
  const std::vector<PreparedMigration> p = prepare_migrations({&a, &b});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].migration, &a);
  EXPECT_EQ(p[0].mode, ExecutionMode::NoTransaction);
  ASSERT_EQ(p[0].script.statements.size(), 2u);
  EXPECT_EQ(p[0].script.statements[0].kind, StatementKind::NoTransaction);
  EXPECT_EQ(p[1].mode, ExecutionMode::InTransaction);
}

// migrate prepares its plan in the pre-flight; under the lock, the plan (perhaps shorter by then)
// takes those, and only a migration the pre-flight did not see is split and parsed.
TEST(PrepareMigrations, TakesWhatThePreflightPreparedAndPreparesOnlyTheRest) {
  const ResolvedMigration a = migration("SELECT 1;");
  const ResolvedMigration b = migration("SELECT 2;\nSELECT 3;\n");
  const ResolvedMigration c = migration("CREATE INDEX CONCURRENTLY i ON t (a);\n");
  std::vector<PreparedMigration> earlier = prepare_migrations({&a, &b});
  const Statement* b_statements = earlier[1].script.statements.data();
  earlier[1].mode = ExecutionMode::Mixed;  // a mark a second preparation would not leave
  const std::vector<PreparedMigration> now = prepare_migrations({&b, &c}, {}, earlier);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].migration, &b);
  EXPECT_EQ(now[0].script.statements.data(), b_statements);
  EXPECT_EQ(now[0].mode, ExecutionMode::Mixed);
  EXPECT_EQ(now[1].migration, &c);
  EXPECT_EQ(now[1].script.statements.size(), 1u);
  EXPECT_EQ(now[1].mode, ExecutionMode::NoTransaction);
  EXPECT_EQ(earlier[1].migration, nullptr);  // taken
  EXPECT_EQ(earlier[0].migration, &a);       // not in the plan: left alone
}

TEST(RefuseDefect, PointsIntoTheFileAsWrittenThroughPlaceholderValues) {
  // "SELECT ${v}, 'x;" with ${v} -> "a much longer value": the quote moves in the sent text.
  const std::string written = "SELECT ${v},\n 'x;";
  const std::string sent = "SELECT a much longer value,\n 'x;";
  const std::vector<Splice> splices{{7, 11, 7, 26}};
  const ScriptSource source{sent, written, &splices};
  const SplitScript split = split_statements(sent);
  try {
    execute_detail::refuse_defect(split, source, "V1__p.sql");
    FAIL() << "no defect reported";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 2);
  }
}

TEST(ScriptError, ABadCopyRowPointsAtItsLineInTheFile) {
  const ResolvedMigration m = migration("CREATE TABLE t (a int);\nCOPY t FROM stdin;\n1\n2\nthree\n\\.\n");
  const SplitScript split = split_statements(m.sql);
  ASSERT_EQ(split.statements.size(), 2u);
  SqlError e("invalid input syntax for type integer: \"three\"");
  e.sqlstate = "22P02";
  e.context = "COPY t, line 3, column a: \"three\"";
  const MigrationFailed failure = execute_detail::migration_error(m, &split.statements[1], e);
  EXPECT_EQ(failure.line, 5);
  EXPECT_EQ(failure.sqlstate, "22P02");
  EXPECT_EQ(failure.file, "db/V1__x.sql");
}

TEST(ScriptError, AServerPositionPointsAtItsColumn) {
  const ResolvedMigration m = migration("SELECT 1;\n  SELECT nope FROM t;");
  const SplitScript split = split_statements(m.sql);
  SqlError e("column \"nope\" does not exist");
  e.position = 8;
  const MigrationFailed failure = execute_detail::migration_error(m, &split.statements[1], e);
  EXPECT_EQ(failure.line, 2);
  EXPECT_EQ(failure.column, 10);
}

TEST(ScriptError, ARaiseInADoBlockPointsAtItsLineInTheBodyNotAtTheStatement) {
  const ResolvedMigration m = migration("SELECT 1;\n\nDO $$\nBEGIN\n  PERFORM 1;\n  RAISE EXCEPTION 'no';\nEND\n$$;\n");
  const SplitScript split = split_statements(m.sql);
  ASSERT_EQ(split.statements.size(), 2u);
  SqlError e("no");
  e.context = "PL/pgSQL function inline_code_block line 4 at RAISE";
  EXPECT_EQ(execute_detail::migration_error(m, &split.statements[1], e).line, 6);
  e.context.clear();  // without the server's frame: the statement's own line
  EXPECT_EQ(execute_detail::migration_error(m, &split.statements[1], e).line, 3);
}

TEST(ScriptError, ARaiseInAFunctionTheScriptCreatedPointsIntoItsBody) {
  const ResolvedMigration m = migration(
      "CREATE FUNCTION s.\"Check\"(v int) RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'x';\nEND $$;\n"
      "CREATE FUNCTION other() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
      "DO $$ BEGIN PERFORM s.\"Check\"(1); END $$;\n");
  const SplitScript split = split_statements(m.sql);
  ASSERT_EQ(split.statements.size(), 3u);
  SqlError e("x");
  // As Session passes it on: the server's lines joined into one.
  e.context = "PL/pgSQL function s.\"Check\"(integer) line 3 at RAISE SQL statement \"SELECT s.\"Check\"(1)\" "
              "PL/pgSQL function inline_code_block line 1 at PERFORM";
  EXPECT_EQ(execute_detail::migration_error(m, &split.statements[2], e, &split.statements).line, 3);
  // A function from elsewhere: the innermost frame in this file is the DO block's.
  e.context = "PL/pgSQL function elsewhere(integer) line 9 at RAISE PL/pgSQL function inline_code_block line 1 at PERFORM";
  EXPECT_EQ(execute_detail::migration_error(m, &split.statements[2], e, &split.statements).line, 6);
}

}  // namespace
}  // namespace strata
