// Routing at pre-flight: which mode each migration gets from its statements, its script config
// file and the settings, and the refusals that name both lines of a conflict.
#include <gtest/gtest.h>

#include "../migration_fixtures.hpp"
#include "strata/error.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

// db/V3__x.sql holding `sql`, with the executeInTransaction of its script config file, if any.
ResolvedMigration migration(const std::string& sql, std::optional<bool> in_transaction = std::nullopt) {
  ResolvedMigration m = testing::V("3", "x");
  m.path = "db/V3__x.sql";
  m.sql = sql;
  m.execute_in_transaction = in_transaction;
  return m;
}

ExecutionMode mode_of(const ResolvedMigration& m, const RoutingOptions& options = {}) {
  return prepare_migrations({&m}, options).at(0).mode;
}

std::string refusal(const ResolvedMigration& m, const RoutingOptions& options = {}) {
  try {
    prepare_migrations({&m}, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(not refused)";
}

const char* const kMixed = "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n\nCREATE INDEX CONCURRENTLY i ON t (x);\n";

TEST(Routing, AMixedFileIsRefusedNamingBothLines) {
  EXPECT_EQ(refusal(migration(kMixed)),
            "db/V3__x.sql:4: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and line 1's statement "
            "needs one; split the file, or set mixed=true");
}

TEST(Routing, MixedTrueRunsTheFileMixed) {
  RoutingOptions options;
  options.mixed = true;
  EXPECT_EQ(mode_of(migration(kMixed), options), ExecutionMode::Mixed);
  EXPECT_EQ(mode_of(migration("CREATE TABLE t (x int);"), options), ExecutionMode::InTransaction);
}

TEST(Routing, TheScriptConfigFileDecidesFirst) {
  EXPECT_EQ(mode_of(migration(kMixed, false)), ExecutionMode::NoTransaction);
  EXPECT_EQ(mode_of(migration("CREATE TABLE t (x int);", false)), ExecutionMode::NoTransaction);
  EXPECT_EQ(refusal(migration("VACUUM;", true)),
            "db/V3__x.sql:1: VACUUM cannot run inside a transaction block, and V3__x.sql.conf sets "
            "executeInTransaction=true");
}

TEST(Routing, GlobalExecuteInTransactionFalseRunsEveryMigrationStatementByStatement) {
  RoutingOptions options;
  options.execute_in_transaction = false;
  EXPECT_EQ(mode_of(migration("CREATE TABLE t (x int);"), options), ExecutionMode::NoTransaction);
  EXPECT_EQ(mode_of(migration("CREATE TABLE t (x int);", true), options), ExecutionMode::InTransaction);
}

TEST(Routing, ACommitInADoBlockIsRefusedWithItsLineUntilTheScriptRunsOutsideATransaction) {
  const std::string sql = "CREATE TABLE t (x int);\nDO $$\nBEGIN\n  INSERT INTO t VALUES (1);\n  COMMIT;\nEND $$;\n";
  EXPECT_EQ(refusal(migration(sql)),
            "db/V3__x.sql:2: this DO block commits inside it at line 5, which PostgreSQL allows only outside a "
            "transaction block; set executeInTransaction=false for this script (V3__x.sql.conf)");
  EXPECT_EQ(mode_of(migration(sql, false)), ExecutionMode::NoTransaction);
  RoutingOptions mixed;
  mixed.mixed = true;  // the DO block then runs alone, after the CREATE TABLE's transaction
  EXPECT_EQ(mode_of(migration(sql), mixed), ExecutionMode::Mixed);
  // A DO block that only reads is an ordinary transactional statement.
  EXPECT_EQ(mode_of(migration("DO $$ BEGIN PERFORM 1; END $$;")), ExecutionMode::InTransaction);
}

TEST(Routing, GroupRefusesAMigrationThatRunsOutsideATransaction) {
  RoutingOptions options;
  options.group = true;
  const ResolvedMigration tx = migration("CREATE TABLE t (x int);");
  const ResolvedMigration notx = migration("CREATE INDEX CONCURRENTLY i ON t (x);");
  EXPECT_EQ(prepare_migrations({&tx}, options).size(), 1u);
  try {
    prepare_migrations({&tx, &notx}, options);
    FAIL() << "group accepted a non-transactional migration";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "db/V3__x.sql:1: group=true runs every pending migration in one transaction, but V3__x.sql runs outside "
              "a transaction (CREATE INDEX CONCURRENTLY cannot run inside a transaction block); migrate it without "
              "group first, or set group=false");
  }
}

TEST(Routing, AParseErrorIsRefusedAtFileLineColumnUpToPostgres15AndOnlyWarnedAboutAfter) {
  const ResolvedMigration m = migration("CREATE TABLE t (x int);\nSELECT x, FROM t;\n");
  RoutingOptions options;
  options.server_version = 150004;
  try {
    prepare_migrations({&m}, options);
    FAIL() << "the parse error went unnoticed";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 11);
    EXPECT_EQ(e.sqlstate, "42601");  // as the server would have reported it
    EXPECT_EQ(std::string(e.what()).rfind("db/V3__x.sql:2:11: syntax error at or near \"FROM\"", 0), 0u) << e.what();
  }
  options.server_version = 170002;
  const std::vector<PreparedMigration> p = prepare_migrations({&m}, options);
  EXPECT_FALSE(p.at(0).script.parsed);
  EXPECT_EQ(p.at(0).script.statements.size(), 2u);
}

}  // namespace
}  // namespace strata
