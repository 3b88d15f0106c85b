// The splitter builds a statement's JSON tree only when a word the tree could decide on appears
// in it (parse_tree.cpp). That filter must never change a kind: every statement of the corpus,
// and the look-alikes below, is classified both ways and compared field by field.
#include <gtest/gtest.h>

#include "../../corpus/corpus.hpp"
#include "script/parse_tree.hpp"
#include "script/statement_kind.hpp"

namespace strata::script_detail {
namespace {

void expect_same(const std::string& sql) {
  SCOPED_TRACE(sql.substr(0, 200));
  const Classified filtered = classify_statement(sql);
  const Classified full = classify_tree(sql);
  EXPECT_EQ(filtered.kind, full.kind);
  EXPECT_EQ(filtered.requirement, full.requirement);
  EXPECT_EQ(filtered.routine.has_body, full.routine.has_body);
  EXPECT_EQ(filtered.routine.begin, full.routine.begin);
  EXPECT_EQ(filtered.routine.control_line, full.routine.control_line);
  EXPECT_EQ(filtered.routine.routine, full.routine.routine);
  EXPECT_EQ(filtered.routine.is_procedure, full.routine.is_procedure);
  EXPECT_EQ(filtered.routine.is_call, full.routine.is_call);
  EXPECT_EQ(filtered.routine.is_do, full.routine.is_do);
}

TEST(TreeFilter, EveryCorpusStatementKeepsTheKindItsTreeGives) {
  std::size_t seen = 0;
  for (const test::CorpusCase& c : test::corpus_cases()) {
    const std::string text = test::read_corpus_file(c.file);
    const ParsedText parsed = parse_text(text);
    if (!parsed.ok) continue;  // refused at pre-flight anyway (its own test)
    for (const ParsedStatement& s : parsed.statements) {
      expect_same(text.substr(s.begin, s.end - s.begin));
      ++seen;
    }
  }
  EXPECT_GE(seen, 20u);
}

TEST(TreeFilter, LookAlikesKeepTheKindTheirTreeGives) {
  for (const char* sql : {
           "CREATE INDEX CONCURRENTLY i ON t (a)",
           "create unique index concurrently if not exists i on t using btree (lower(a))",
           "CREATE INDEX \"concurrently\" ON t (a)",
           "CREATE INDEX i ON t (a) WHERE note <> 'CONCURRENTLY'",
           "DROP INDEX CONCURRENTLY IF EXISTS a, b",
           "DROP TABLE concurrently_log",
           "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
           "ALTER TABLE p DETACH PARTITION c FINALIZE",
           "ALTER TABLE t ADD COLUMN db_name text DEFAULT 'database'",
           "CREATE DATABASE app TEMPLATE template0",
           "ALTER DATABASE app SET TABLESPACE fast",
           "ALTER DATABASE app RENAME TO app2",
           "CREATE TABLESPACE fast LOCATION '/srv'",
           "ALTER SYSTEM SET work_mem = '64MB'",
           "ALTER TABLE system_settings ADD COLUMN a int",
           "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (connect = false)",
           "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
           "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
           "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$",
           "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
           "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()",
           "ALTER FUNCTION f() OWNER TO app",
           "DROP FUNCTION IF EXISTS f(int)",
           "CREATE TABLE t (a int, b text DEFAULT 'x')",
           "CREATE TYPE mood AS ENUM ('sad', 'ok')",
           "ALTER TYPE mood ADD VALUE 'meh'",
           "CREATE VIEW v AS SELECT 1 AS database",
           "CREATE MATERIALIZED VIEW mv AS SELECT 1",
           "/* a CONCURRENTLY comment */ CREATE INDEX i ON t (a)",
           "-- DROP DATABASE x\nCREATE TABLE y (a int)",
       }) {
    expect_same(sql);
  }
}

}  // namespace
}  // namespace strata::script_detail
