// Each rule on a script that triggers it (exact line:col) and on its safe variant.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/lint.hpp"

namespace strata {
namespace {

struct RuleCase {
  const char* rule;
  const char* unsafe;  // triggers `rule` at line:col
  int line;
  int column;
  const char* safe;  // does not trigger `rule`
};

// Every case runs with lock_timeout configured, so that only the rule under test speaks up
// unless it is access-exclusive-without-lock-timeout itself.
const RuleCase kCases[] = {
    {"require-concurrent-index-creation", "-- orders\nCREATE INDEX o_idx ON orders (placed_at);", 2, 1,
     "CREATE INDEX CONCURRENTLY o_idx ON orders (placed_at);"},
    {"require-concurrent-index-deletion", "SELECT 1;\n  DROP INDEX o_idx;", 2, 3, "DROP INDEX CONCURRENTLY o_idx;"},
    {"adding-field-with-volatile-default", "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", 1, 1,
     "ALTER TABLE orders ADD COLUMN state text DEFAULT 'new';"},
    {"adding-serial-or-identity-column", "ALTER TABLE orders ADD COLUMN n bigserial;", 1, 1,
     "ALTER TABLE orders ADD COLUMN n bigint;"},
    {"adding-serial-or-identity-column", "ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;", 1, 1,
     "CREATE TABLE fresh (a int);\nALTER TABLE fresh ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;"},
    {"adding-generated-stored-column", "ALTER TABLE orders ADD COLUMN t int GENERATED ALWAYS AS (a * 2) STORED;", 1, 1,
     "ALTER TABLE orders ADD COLUMN t int;"},
    {"changing-column-type", "ALTER TABLE orders ALTER COLUMN total TYPE bigint;", 1, 1,
     "CREATE TABLE IF NOT EXISTS x (a int);\nALTER TABLE x ALTER COLUMN a TYPE bigint;"},
    {"changing-column-type", "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);", 1, 1,
     "ALTER TABLE orders ADD COLUMN note varchar(5);\nALTER TABLE orders ALTER COLUMN note TYPE text;"},
    {"setting-not-null", "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;", 1, 1,
     "ALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
     "ALTER TABLE orders VALIDATE CONSTRAINT email_nn;\nALTER TABLE orders ALTER COLUMN email SET NOT NULL;"},
    {"adding-foreign-key-constraint", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customer (id);", 1, 1,
     "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customer (id) NOT VALID;"},
    {"adding-foreign-key-constraint", "ALTER TABLE orders ADD COLUMN c bigint REFERENCES customer (id);", 1, 1,
     "ALTER TABLE orders ADD COLUMN c bigint;"},
    {"adding-check-constraint", "ALTER TABLE orders ADD CONSTRAINT pos CHECK (total > 0);", 1, 1,
     "ALTER TABLE orders ADD CONSTRAINT pos CHECK (total > 0) NOT VALID;"},
    {"adding-unique-constraint", "ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code);", 1, 1,
     "ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX u_idx;"},
    {"adding-unique-constraint", "ALTER TABLE orders ADD PRIMARY KEY (id);", 1, 1,
     "ALTER TABLE orders ADD CONSTRAINT pk PRIMARY KEY USING INDEX pk_idx;"},
    {"renaming-table", "ALTER TABLE orders RENAME TO purchases;", 1, 1,
     "CREATE TABLE scratch (a int);\nALTER TABLE scratch RENAME TO scratch2;\nALTER TABLE scratch2 RENAME TO scratch3;"},
    {"renaming-column", "ALTER TABLE orders RENAME COLUMN total TO amount;", 1, 1,
     "ALTER TABLE orders ADD COLUMN amount bigint;"},
    {"dropping-column", "ALTER TABLE orders DROP COLUMN legacy;", 1, 1,
     "CREATE TABLE t (a int, legacy int);\nALTER TABLE t DROP COLUMN legacy;"},
    {"vacuum-full", "VACUUM FULL orders;", 1, 1, "VACUUM orders;"},
    {"cluster", "CLUSTER orders USING orders_pkey;", 1, 1, "ANALYZE orders;"},
    {"reindex-without-concurrently", "REINDEX INDEX orders_pkey;", 1, 1, "REINDEX INDEX CONCURRENTLY orders_pkey;"},
    {"lock-table", "LOCK TABLE orders;", 1, 1, "LOCK TABLE orders IN SHARE MODE;"},
    {"truncate", "TRUNCATE orders;", 1, 1, "CREATE TABLE staging (a int);\nTRUNCATE staging;"},
    {"drop-cascade", "DROP VIEW order_summary CASCADE;", 1, 1, "DROP VIEW order_summary;"},
    {"multiple-access-exclusive-tables", "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;", 2, 1,
     "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE a ADD COLUMN y int;"},
    {"access-exclusive-without-lock-timeout", "SELECT 1;\nALTER TABLE orders ADD COLUMN note text;", 2, 1,
     "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;"},
    {"transaction-control-in-migration", "BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;", 1, 1, "CREATE TABLE t (a int);"},
    {"lint-ignore-without-reason", "-- strata:lint-ignore truncate\nTRUNCATE orders;", 1, 1,
     "-- strata:lint-ignore truncate emptied by the nightly job anyway\nTRUNCATE orders;"},
};

std::vector<LintFinding> lint(std::string_view sql, LintSettings settings = {}) {
  Linter linter(std::move(settings));
  return linter.lint("V2__x.sql", sql);
}

LintSettings with_lock_timeout() {
  LintSettings s;
  s.lock_timeout_configured = true;
  return s;
}

const LintFinding* find(const std::vector<LintFinding>& findings, std::string_view rule) {
  for (const LintFinding& f : findings)
    if (f.rule == rule) return &f;
  return nullptr;
}

TEST(LintRules, EachRuleTriggersAtItsPositionAndNotOnItsSafeVariant) {
  for (const RuleCase& c : kCases) {
    SCOPED_TRACE(std::string(c.rule) + ": " + c.unsafe);
    const bool timeout_rule = std::string_view(c.rule) == "access-exclusive-without-lock-timeout";
    const LintSettings settings = timeout_rule ? LintSettings{} : with_lock_timeout();
    const std::vector<LintFinding> unsafe = lint(c.unsafe, settings);
    const LintFinding* f = find(unsafe, c.rule);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->line, c.line);
    EXPECT_EQ(f->column, c.column);
    EXPECT_EQ(f->file, "V2__x.sql");
    EXPECT_FALSE(f->fix.empty());
    EXPECT_EQ(find(lint(c.safe, settings), c.rule), nullptr) << c.safe;
  }
}

TEST(LintRules, EveryRuleHasATestCase) {
  for (const LintRuleDoc& doc : lint_rules()) {
    bool tested = false;
    for (const RuleCase& c : kCases) tested = tested || doc.id == c.rule;
    EXPECT_TRUE(tested) << doc.id;
  }
}

// Only statements that can be a node some rule reads are parsed: the first keyword decides,
// however it is written, and a new table is still remembered whichever way it was created.
TEST(LintRules, WhatNoRuleReadsIsSkippedAndEveryFormOfWhatOneReadsIsNot) {
  const LintSettings settings = with_lock_timeout();
  EXPECT_NE(find(lint("/* why */ create unique index o_idx on orders (a);", settings),
                 "require-concurrent-index-creation"),
            nullptr);
  EXPECT_NE(find(lint("start transaction;\nSELECT 1;\nend;", settings), "transaction-control-in-migration"), nullptr);
  EXPECT_NE(find(lint("SELECT 1;\nabort;", settings), "transaction-control-in-migration"), nullptr);
  EXPECT_NE(find(lint("Alter\n  Table orders Rename To purchases;", settings), "renaming-table"), nullptr);
  EXPECT_TRUE(lint("CREATE TEMP TABLE t (a int);\nCREATE INDEX t_a ON t (a);", settings).empty());
  EXPECT_TRUE(lint("CREATE UNLOGGED TABLE u (a int);\nALTER TABLE u ALTER COLUMN a TYPE bigint;", settings).empty());
  EXPECT_TRUE(lint("CREATE TABLE c AS SELECT 1 AS a;\nALTER TABLE c ADD COLUMN t uuid DEFAULT gen_random_uuid();",
                   settings)
                  .empty());
  // A body is not run when the routine is created, nor judged.
  EXPECT_TRUE(lint("CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE sql AS 'TRUNCATE orders';", settings).empty());
  EXPECT_TRUE(lint("CREATE PROCEDURE p() LANGUAGE sql AS $$ LOCK TABLE orders $$;", settings).empty());
  EXPECT_TRUE(lint("CREATE VIEW v AS SELECT 1;\nGRANT SELECT ON v TO public;\nCOMMENT ON VIEW v IS 'x';", settings).empty());
}

TEST(LintRules, AccessExclusiveNeedsALockTimeoutFromSettingsOrTheFile) {
  const char* alter = "ALTER TABLE orders ADD COLUMN note text;";
  const LintFinding* f = find(lint(alter), "access-exclusive-without-lock-timeout");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->line, 1);
  EXPECT_EQ(find(lint(alter, with_lock_timeout()), "access-exclusive-without-lock-timeout"), nullptr);
  EXPECT_EQ(find(lint(std::string("SET lock_timeout = '5s';\n") + alter), "access-exclusive-without-lock-timeout"),
            nullptr);
  EXPECT_NE(find(lint(std::string("SET lock_timeout = 0;\n") + alter), "access-exclusive-without-lock-timeout"),
            nullptr);
  EXPECT_EQ(find(lint("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;"), "access-exclusive-without-lock-timeout"),
            nullptr);
}

TEST(LintRules, ServerVersionDecidesDefaultsAndNotNull) {
  const char* constant_default = "ALTER TABLE orders ADD COLUMN state text DEFAULT 'new';";
  LintSettings pg10 = with_lock_timeout();
  pg10.server_major = 10;
  EXPECT_NE(find(lint(constant_default, pg10), "adding-field-with-volatile-default"), nullptr);
  EXPECT_EQ(find(lint(constant_default, with_lock_timeout()), "adding-field-with-volatile-default"), nullptr);
  EXPECT_EQ(find(lint("ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT now();", with_lock_timeout()),
                 "adding-field-with-volatile-default"),
            nullptr);
  const char* proven =
      "ALTER TABLE o ADD CONSTRAINT nn CHECK (e IS NOT NULL) NOT VALID;\n"
      "ALTER TABLE o VALIDATE CONSTRAINT nn;\nALTER TABLE o ALTER COLUMN e SET NOT NULL;";
  LintSettings pg11 = with_lock_timeout();
  pg11.server_major = 11;
  EXPECT_NE(find(lint(proven, pg11), "setting-not-null"), nullptr);
}

TEST(LintRules, KnownColumnTypesAllowSafeWidenings) {
  Linter linter(with_lock_timeout());
  EXPECT_TRUE(linter.lint("V1__t.sql", "CREATE TABLE t (name varchar(20), amount numeric(10,2));").empty());
  const char* widen = "ALTER TABLE t ALTER COLUMN name TYPE varchar(40);\nALTER TABLE t ALTER COLUMN amount TYPE numeric(12,2);";
  EXPECT_EQ(find(linter.lint("V2__widen.sql", widen), "changing-column-type"), nullptr);
  EXPECT_NE(find(linter.lint("V3__narrow.sql", "ALTER TABLE t ALTER COLUMN name TYPE varchar(5);"), "changing-column-type"),
            nullptr);
}

// The schema keeps each column's type name and modifiers: precision, scale and length are all
// still compared files later, for columns created and for columns added.
TEST(LintRules, RememberedColumnTypesKeepTheirModifiers) {
  Linter linter(with_lock_timeout());
  linter.lint("V1__t.sql", "CREATE TABLE t (amount numeric(10,2));");
  linter.lint("V2__c.sql", "ALTER TABLE t ADD COLUMN code varchar(5);");
  EXPECT_NE(find(linter.lint("V3__scale.sql", "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12,3);"), "changing-column-type"),
            nullptr);
  EXPECT_NE(find(linter.lint("V4__less.sql", "ALTER TABLE t ALTER COLUMN amount TYPE numeric(9,2);"), "changing-column-type"),
            nullptr);
  EXPECT_EQ(find(linter.lint("V5__code.sql", "ALTER TABLE t ALTER COLUMN code TYPE varchar(9);"), "changing-column-type"),
            nullptr);
  // V5 recorded varchar(9): narrowing back below it is a rewrite again.
  EXPECT_NE(find(linter.lint("V6__code.sql", "ALTER TABLE t ALTER COLUMN code TYPE varchar(7);"), "changing-column-type"),
            nullptr);
}

TEST(LintRules, TablesOfEarlierFilesAreNewOnlyWithinOneRun) {
  const char* index = "CREATE INDEX t_a ON t (a);";
  Linter production(with_lock_timeout());
  production.lint("V1__t.sql", "CREATE TABLE t (a int);");
  EXPECT_NE(find(production.lint("V2__i.sql", index), "require-concurrent-index-creation"), nullptr);
  Linter same_run(with_lock_timeout(), true);
  same_run.lint("V1__t.sql", "CREATE TABLE t (a int);");
  EXPECT_EQ(find(same_run.lint("V2__i.sql", index), "require-concurrent-index-creation"), nullptr);
}

TEST(LintSuppression, CommentAboveOrLintIgnoreSilencesARule) {
  const char* file = "-- strata:lint-ignore truncate staging table, refilled hourly\n-- more words\nTRUNCATE orders;";
  EXPECT_EQ(find(lint(file, with_lock_timeout()), "truncate"), nullptr);
  EXPECT_NE(find(lint("-- strata:lint-ignore truncate refilled\nSELECT 1;\nTRUNCATE orders;", with_lock_timeout()), "truncate"),
            nullptr);
  LintSettings ignoring = with_lock_timeout();
  ignoring.ignored_rules = {"truncate"};
  EXPECT_TRUE(lint("TRUNCATE orders;", ignoring).empty());
}

// Only lines holding the marker are matched against the suppression pattern; the others still
// count as comment lines that carry a suppression down to the statement.
TEST(LintSuppression, MarkerFoundAmongManyLinesWithItsColumn) {
  std::string file;
  for (int i = 0; i < 200; ++i) file += "-- note " + std::to_string(i) + " about strata and lint\n";
  file += "  --\tstrata:lint-ignore truncate\n-- carried on\nTRUNCATE orders;";
  const auto findings = lint(file, with_lock_timeout());
  EXPECT_EQ(find(findings, "truncate"), nullptr);
  const LintFinding* defect = find(findings, "lint-ignore-without-reason");
  ASSERT_NE(defect, nullptr);
  EXPECT_EQ(defect->line, 201);
  EXPECT_EQ(defect->column, 3);
  EXPECT_NE(find(lint("-- strata:lint-ignorance truncate\nTRUNCATE orders;", with_lock_timeout()), "truncate"), nullptr);
}

TEST(LintSuppression, PositionsMapThroughPlaceholderSplices) {
  const std::string original = "-- ${who}\nCREATE INDEX i ON t (a);";
  const std::string replaced = "-- a much longer value\nCREATE INDEX i ON t (a);";
  const std::vector<Splice> splices{{3, 9, 3, 22}};
  Linter linter(with_lock_timeout());
  const auto findings = linter.lint("V1__x.sql", replaced, splices, original);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].line, 2);
  EXPECT_EQ(findings[0].column, 1);
}

TEST(LintReport, CompilerStyleLineAndJson) {
  const auto findings = lint("TRUNCATE orders;", with_lock_timeout());
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(format_finding(findings[0]).rfind("V2__x.sql:1:1: warning: truncate: TRUNCATE deletes", 0), 0u);
  const std::string json = findings_json(findings);
  EXPECT_NE(json.find("\"rule\": \"truncate\""), std::string::npos);
  EXPECT_NE(json.find("\"warnings\": 1"), std::string::npos);
}

}  // namespace
}  // namespace strata
