// The lint against a real PostgreSQL 15: migrate's pre-flight (lint: error refuses, warn warns)
// and `strata lint --pending`.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace strata::test {
namespace {

struct LintedProject {
  TestDatabase db;
  TempDir dir;
  std::vector<std::string> args(const char* command) const {
    return {command, "--url", db.url(), "--locations", dir.path().string()};
  }
};

TEST(LintPreflight, LintErrorRefusesAnUnsafePendingFileAndChangesNothing) {
  LintedProject p;
  p.dir.write("V1__orders.sql", "CREATE TABLE orders (id int, placed_at timestamptz);\n");
  ASSERT_EQ(run_strata(p.args("migrate")).exit_code, 0);
  p.dir.write("V2__safe.sql", "CREATE TABLE audit (id int);\n");
  p.dir.write("V3__index.sql", "-- placed_at lookups\nCREATE INDEX orders_placed ON orders (placed_at);\n");
  RunResult r = run_strata(p.args("migrate"), {{"STRATA_LINT", "error"}});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V3__index.sql:2:1: error: require-concurrent-index-creation"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(lint: error)"), std::string::npos) << r.err;
  EXPECT_EQ(p.db.scalar("SELECT count(*) FROM flyway_schema_history"), "1");
  EXPECT_EQ(p.db.scalar("SELECT to_regclass('audit') IS NULL"), "t");

  RunResult warned = run_strata(p.args("migrate"));  // default lint: warn
  EXPECT_EQ(warned.exit_code, 0) << warned.all();
  EXPECT_NE(warned.err.find("V3__index.sql:2:1: error: require-concurrent-index-creation"), std::string::npos)
      << warned.err;
  EXPECT_EQ(p.db.scalar("SELECT count(*) FROM flyway_schema_history"), "3");
}

// lint: warn stops nothing, so the run goes on while the lint finishes; its findings are still
// logged before the first migration runs, on a first run (history table created) as on a later one.
TEST(LintPreflight, WarnFindingsAreLoggedBeforeTheFirstMigrationRuns) {
  LintedProject p;
  p.db.session().exec("CREATE SCHEMA other; CREATE TABLE other.orders (id int)");
  p.dir.write("V1__index.sql", "CREATE INDEX orders_id ON other.orders (id);\n");
  TempDir logs;
  for (int run = 1; run <= 2; ++run) {
    if (run == 2) p.dir.write("V2__again.sql", "CREATE INDEX orders_id2 ON other.orders (id);\n");
    const int code = wait_exit(spawn_strata(p.args("migrate"), logs.path() / "out"));
    const std::string out = read_file(logs.path() / "out");
    ASSERT_EQ(code, 0) << out;
    const std::size_t warning = out.find(run == 1 ? "V1__index.sql:1:1: error: require-concurrent-index-creation"
                                                  : "V2__again.sql:1:1: error: require-concurrent-index-creation");
    const std::size_t migrating = out.find("Migrating schema");
    ASSERT_NE(warning, std::string::npos) << out;
    ASSERT_NE(migrating, std::string::npos) << out;
    EXPECT_LT(warning, migrating) << out;
    EXPECT_EQ(p.db.scalar("SELECT count(*) FROM flyway_schema_history"), std::to_string(run));
  }
}

TEST(LintPreflight, TablesCreatedEarlierInTheSameRunAreNew) {
  LintedProject p;
  p.dir.write("V1__orders.sql", "CREATE TABLE orders (id int);\n");
  p.dir.write("V2__index.sql", "CREATE INDEX orders_id ON orders (id);\nALTER TABLE orders ADD COLUMN note text;\n");
  RunResult r = run_strata(p.args("migrate"), {{"STRATA_LINT", "error"}});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.err.find("require-concurrent-index-creation"), std::string::npos) << r.err;
}

TEST(LintCommand, PendingLintsOnlyWhatTheDatabaseHasNotRun) {
  LintedProject p;
  p.dir.write("V1__orders.sql", "CREATE TABLE orders (id int);\nCREATE INDEX old_one ON orders (id);\n");
  ASSERT_EQ(run_strata(p.args("migrate")).exit_code, 0);
  p.dir.write("V2__rename.sql", "ALTER TABLE orders RENAME COLUMN id TO order_id;\n");
  std::vector<std::string> args = p.args("lint");
  args.push_back("--pending");
  RunResult r = run_strata(args, {{"STRATA_LOCK_TIMEOUT", "5s"}});
  EXPECT_EQ(r.exit_code, 0) << r.all();  // a warning, below the default --fail-on error
  EXPECT_NE(r.out.find("V2__rename.sql:1:1: warning: renaming-column"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("V1__orders.sql"), std::string::npos) << r.out;
  args.push_back("--fail-on=warning");
  EXPECT_EQ(run_strata(args, {{"STRATA_LOCK_TIMEOUT", "5s"}}).exit_code, 1);

  // Without --pending and without a database, V1's index is on a table of an earlier release.
  RunResult all = run_strata({"lint", "--locations", p.dir.path().string()});
  EXPECT_EQ(all.exit_code, 0) << all.all();  // V1 creates the table it indexes
  EXPECT_NE(all.out.find("V2__rename.sql:1:1: warning: renaming-column"), std::string::npos) << all.out;
}

}  // namespace
}  // namespace strata::test
