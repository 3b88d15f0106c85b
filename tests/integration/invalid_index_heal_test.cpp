// Before a migration outside a transaction runs, the INVALID indexes an interrupted run of it left
// are dropped so that its builds run again; a VALID index is left alone, another session's build
// in progress is waited for, and nothing the migration does not build is touched.
#include <gtest/gtest.h>

#include <thread>

#include "harness.hpp"
#include "strategy_fixture.hpp"
#include "strata/error.hpp"
#include "strata/strategy.hpp"

namespace strata::test {
namespace {

std::vector<std::string> migrate_args(const TestDatabase& db, const TempDir& dir) {
  return {"migrate", "--url", db.url(), "--locations", dir.path().string()};
}

// A UNIQUE concurrent build over duplicates fails and leaves its index INVALID, as a build the
// server aborted when strata died does; the duplicates are then removed.
void leave_invalid_index(TestDatabase& db, const std::string& table, const std::string& index) {
  db.session().exec("INSERT INTO " + table + " (x) VALUES (-1), (-1)");
  EXPECT_THROW(db.session().exec("CREATE UNIQUE INDEX CONCURRENTLY " + index + " ON " + table + " (x)"), SqlError);
  db.session().exec("DELETE FROM " + table + " WHERE x = -1");
}

// V1 (`sql`, in a transaction) applied by strata, so the schema is one strata manages.
void set_up(TestDatabase& db, const TempDir& dir, const std::string& sql) {
  dir.write("V1__set_up.sql", sql);
  const RunResult r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
}

std::string validity(TestDatabase& db, const std::string& index) {
  return db.scalar("SELECT coalesce((SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass($1)), 'none')",
                   {index});
}

TEST(InvalidIndexHeal, AnInvalidIndexTheMigrationBuildsIsDroppedAndBuiltAgain) {
  TestDatabase db;
  TempDir dir;
  set_up(db, dir, "CREATE TABLE u (x int);\nINSERT INTO u SELECT generate_series(1, 100);\n");
  leave_invalid_index(db, "u", "u_x");
  ASSERT_EQ(validity(db, "u_x"), "false");
  // IF NOT EXISTS alone would keep the INVALID index and record success.
  dir.write("V2__u_x.sql", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u_x ON u (x);\n");
  const RunResult r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.all().find("dropping invalid index public.u_x left by an interrupted run of V2__u_x.sql"), std::string::npos)
      << r.all();
  EXPECT_EQ(validity(db, "u_x"), "true");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
}

TEST(InvalidIndexHeal, AValidIndexIsLeftAlone) {
  TestDatabase db;
  TempDir dir;
  set_up(db, dir, "CREATE TABLE u (x int);\nCREATE INDEX u_x ON u (x);\n");
  const std::string oid = db.scalar("SELECT 'u_x'::regclass::oid");
  dir.write("V2__u_x.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS u_x ON u (x);\n");
  const RunResult r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.all().find("dropping invalid index"), std::string::npos) << r.all();
  EXPECT_EQ(db.scalar("SELECT 'u_x'::regclass::oid"), oid);
}

TEST(InvalidIndexHeal, NamesAreResolvedThroughTheSearchPathAndOnlyTheBuiltIndexIsDropped) {
  TestDatabase db;
  TempDir dir;
  db.session().exec("CREATE SCHEMA app; CREATE TABLE app.\"Orders\" (x int); CREATE TABLE public.\"Orders\" (x int);"
                    "CREATE TABLE app.other (x int)");
  leave_invalid_index(db, "app.\"Orders\"", "\"Orders_X\"");
  leave_invalid_index(db, "public.\"Orders\"", "\"Orders_X\"");  // same name, another schema
  leave_invalid_index(db, "app.other", "other_x");                // not built by the migration
  dir.write("V2__orders_x.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Orders_X\" ON \"Orders\" (x);\n");
  // app already holds objects: its history starts with a baseline at version 1.
  const std::vector<std::string> target{"--url", db.url(), "--locations", dir.path().string(), "--schemas", "app"};
  std::vector<std::string> baseline{"baseline"}, migrate{"migrate"};
  baseline.insert(baseline.end(), target.begin(), target.end());
  migrate.insert(migrate.end(), target.begin(), target.end());
  ASSERT_EQ(run_strata(baseline).exit_code, 0);
  const RunResult r = run_strata(migrate);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.all().find("dropping invalid index app.\"Orders_X\" left by an interrupted run of V2__orders_x.sql"),
            std::string::npos) << r.all();
  EXPECT_EQ(validity(db, "app.\"Orders_X\""), "true");
  EXPECT_EQ(validity(db, "public.\"Orders_X\""), "false");
  EXPECT_EQ(validity(db, "app.other_x"), "false");
}

TEST(InvalidIndexHeal, ReindexConcurrentlyLeftoversAreDropped) {
  TestDatabase db;
  TempDir dir;
  set_up(db, dir, "CREATE TABLE u (x int);\nINSERT INTO u SELECT generate_series(1, 100);\nCREATE INDEX u_x ON u (x);\n");
  leave_invalid_index(db, "u", "u_x_ccnew");  // what REINDEX CONCURRENTLY killed while building leaves
  leave_invalid_index(db, "u", "v_x_ccnew");  // the copy of another index
  dir.write("V2__reindex.sql", "REINDEX INDEX CONCURRENTLY u_x;\n");
  const RunResult r = run_strata(migrate_args(db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.all().find("dropping invalid index public.u_x_ccnew left by an interrupted run of V2__reindex.sql"),
            std::string::npos) << r.all();
  EXPECT_EQ(validity(db, "u_x_ccnew"), "none");
  EXPECT_EQ(validity(db, "v_x_ccnew"), "false");
  EXPECT_EQ(validity(db, "u_x"), "true");
}

TEST(InvalidIndexHeal, AnIndexAnotherSessionIsStillBuildingIsWaitedForThenNamed) {
  StrategyFixture f;
  f.db.session().exec("CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100)");
  // A writer's open transaction holds the other session's build in its first wait, its index
  // already in the catalog and INVALID.
  Session writer(f.db.settings()), builder(f.db.settings());
  writer.exec("BEGIN; INSERT INTO t VALUES (0)");
  const int builder_pid = builder.backend_pid();
  std::thread build([&] { builder.exec("CREATE INDEX CONCURRENTLY t_x ON t (x)"); });
  for (int i = 0; i < 500 && f.db.scalar("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('t_x')") == "0"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(validity(f.db, "t_x"), "false");

  const ResolvedMigration m = migration("1", "t_x", "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n");
  std::vector<PreparedMigration> p = prepare_migrations({&m}, f.options.routing);
  f.options.invalid_index_build_wait = std::chrono::milliseconds(500);
  f.options.wait_report_interval = std::chrono::milliseconds(100);
  try {
    no_transaction_strategy(f.db.session(), f.history, f.options)->apply(p.front());
    ADD_FAILURE() << "the migration ran while another session built its index";
  } catch (const MigrationFailed& e) {
    const std::string text = std::string(e.what()) + " " + e.detail;
    EXPECT_NE(text.find("pid " + std::to_string(builder_pid) + " "), std::string::npos) << text;
    EXPECT_NE(text.find("still building an index"), std::string::npos) << text;
    EXPECT_NE(text.find("nothing of V1__t_x.sql ran"), std::string::npos) << text;
    EXPECT_EQ(e.line, 1);
  }
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '1'"), "0");
  writer.exec("COMMIT");
  build.join();
  // Once that build is done its index is VALID, and the migration leaves it alone.
  no_transaction_strategy(f.db.session(), f.history, f.options)->apply(p.front());
  EXPECT_EQ(validity(f.db, "t_x"), "true");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success"), "1");
}

}  // namespace
}  // namespace strata::test
