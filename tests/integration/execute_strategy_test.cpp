// Each execution strategy run directly against the real server: in one transaction (COPY rows
// included), statement by statement outside a transaction, and print-only output that psql replays.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "strategy_fixture.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"
#include "strata/strategy.hpp"

namespace strata::test {
namespace {

struct Fixture : StrategyFixture {
  // Split as migrate splits (mixed files allowed), then run in the mode the test wants.
  PreparedMigration prepare(const ResolvedMigration& m, ExecutionMode mode) {
    RoutingOptions mixed;
    mixed.mixed = true;
    std::vector<PreparedMigration> p = prepare_migrations({&m}, mixed);
    p.front().mode = mode;
    return std::move(p.front());
  }
  std::string rows() { return db.scalar("SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history"); }
};

const char* kConcurrentIndex = "CREATE TABLE t (x int);\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n";

TEST(NoTransactionStrategy, AppliesCreateIndexConcurrentlyWithItsHistoryRow) {
  Fixture f;
  const ResolvedMigration m = migration("1", "concurrent", kConcurrentIndex);
  const PreparedMigration p = f.prepare(m, ExecutionMode::NoTransaction);
  EXPECT_EQ(p.script.statements[1].kind, StatementKind::NoTransaction);
  no_transaction_strategy(f.db.session(), f.history, f.options)->apply(p);
  EXPECT_EQ(f.db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"), "t");
  EXPECT_EQ(f.rows(), "1:true");
}

TEST(InTransactionStrategy, IsRefusedCreateIndexConcurrentlyAtItsLine) {
  Fixture f;
  const ResolvedMigration m = migration("1", "concurrent", kConcurrentIndex);
  try {
    in_transaction_strategy(f.db.session(), f.history, f.options)->apply(f.prepare(m, ExecutionMode::InTransaction));
    FAIL() << "CREATE INDEX CONCURRENTLY ran inside a transaction";
  } catch (const MigrationFailed& e) {
    EXPECT_EQ(e.sqlstate, "25001");
    EXPECT_EQ(e.line, 2);
  }
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('t') IS NULL"), "t");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NOT NULL"), "0");
}

TEST(NoTransactionStrategy, AFailureSaysWhatAlreadyRanAndRecordsAFailedRow) {
  Fixture f;
  const ResolvedMigration m = migration("1", "half", "CREATE TABLE kept (x int);\nCREATE INDEX CONCURRENTLY i ON nope (x);\n");
  try {
    no_transaction_strategy(f.db.session(), f.history, f.options)->apply(f.prepare(m, ExecutionMode::NoTransaction));
    FAIL() << "the missing table went unnoticed";
  } catch (const MigrationFailed& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_NE(e.detail.find("1 statement of V1__half.sql ran before it"), std::string::npos) << e.detail;
  }
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('kept') IS NOT NULL"), "t");
  EXPECT_EQ(f.rows(), "1:false");  // as Flyway records a failed migration it cannot roll back
}

TEST(InTransactionStrategy, CopiesInlineRowsAndPointsABadRowAtItsFileLine) {
  Fixture f;
  const ResolvedMigration good = migration("1", "data", "CREATE TABLE d (a int, b text);\nCOPY d FROM stdin;\n1\tx;y\n2\t\\\\\n\\.\n");
  in_transaction_strategy(f.db.session(), f.history, f.options)->apply(f.prepare(good, ExecutionMode::InTransaction));
  EXPECT_EQ(f.db.scalar("SELECT string_agg(b, '|' ORDER BY a) FROM d"), "x;y|\\");
  const ResolvedMigration bad = migration("2", "bad", "INSERT INTO d VALUES (9, 'z');\nCOPY d FROM stdin;\n3\tok\nfour\tno\n\\.\n");
  try {
    in_transaction_strategy(f.db.session(), f.history, f.options)->apply(f.prepare(bad, ExecutionMode::InTransaction));
    FAIL() << "a bad COPY row was accepted";
  } catch (const MigrationFailed& e) {
    EXPECT_EQ(e.sqlstate, "22P02");
    EXPECT_EQ(e.line, 4);
  }
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM d"), "2");
  EXPECT_EQ(f.rows(), "1:true");
}

// Replays `script` through psql as a user would pipe dry-run output into it.
int replay_with_psql(const TestDatabase& db, const std::string& script) {
  TempDir dir;
  const auto file = dir.write("dry_run.sql", script);
  const Server& s = server();
  const std::string command = "PGPASSWORD='" + s.password + "' psql -X -q -v ON_ERROR_STOP=1 -h '" + s.socket_dir +
                              "' -p " + s.port + " -U " + s.user + " -d " + db.name() + " -f '" + file.string() +
                              "' >/dev/null 2>&1";
  return std::system(command.c_str());
}

TEST(DryRunStrategy, ChangesNothingAndItsOutputReplaysThroughPsql) {
  Fixture f;
  f.options.session_reset = "SET search_path TO public";
  const ResolvedMigration tx = migration("1", "tables", "CREATE TABLE d (a int, b text); -- first\nCOPY d FROM STDIN;\n1\tsemi;colon\n2\ttab\\there\n\\.\nINSERT INTO d VALUES (3, 'c') -- no terminator");
  const ResolvedMigration notx = migration("2", "index", "CREATE INDEX CONCURRENTLY d_a ON d (a);\n");
  std::ostringstream out;
  const auto dry = dry_run_strategy(out, f.history, f.options);
  dry->apply(f.prepare(tx, ExecutionMode::InTransaction));
  dry->apply(f.prepare(notx, ExecutionMode::NoTransaction));
  const std::string script = out.str();
  EXPECT_NE(script.find("BEGIN;\n"), std::string::npos) << script;
  EXPECT_NE(script.find("2\ttab\\there\n\\.\n"), std::string::npos) << script;
  EXPECT_EQ(script.find("BEGIN;", script.find("V2__index.sql")), std::string::npos) << script;
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('d') IS NULL"), "t");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NOT NULL"), "0");

  ASSERT_EQ(replay_with_psql(f.db, script), 0) << script;
  EXPECT_EQ(f.db.scalar("SELECT string_agg(a || '=' || b, ',' ORDER BY a) FROM d"), "1=semi;colon,2=tab\there,3=c");
  EXPECT_EQ(f.db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'd_a'::regclass"), "t");
  EXPECT_EQ(f.rows(), "1:true,2:true");
}

}  // namespace
}  // namespace strata::test
