// A runner whose migration-lock connection ends (a failover, pg_terminate_backend) has lost the
// lock with it: another runner may be in. It must stop before its next migration, keeping what it
// already applied, rather than carry on unserialised.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.hpp"

namespace strata::test {
namespace {

using namespace std::chrono_literals;

TEST(LockLoss, ARunnerThatLostItsLockStartsNoFurtherMigration) {
  TestDatabase db;
  TempDir dir, logs;
  dir.write("V1__slow.sql", "CREATE TABLE first (id int);\nSELECT pg_sleep(3);\n");
  dir.write("V2__next.sql", "CREATE TABLE second (id int);\n");
  const int pid = spawn_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}, logs.path() / "out");

  // The lock's holder is the backend with strata's advisory lock, taken once V1 is sleeping: a
  // loaded machine may otherwise end the lock before V1 started, and then rightly nothing runs.
  std::string holder;
  for (int i = 0; i < 100 && holder.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    if (db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
                  " AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()") == "0")
      continue;
    holder = db.scalar(
        "SELECT coalesce(min(pid)::text, '') FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())");
  }
  ASSERT_FALSE(holder.empty()) << "strata never took the migration lock";
  EXPECT_EQ(db.scalar("SELECT pg_terminate_backend(" + holder + ")::text"), "true");

  const int code = wait_exit(pid);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("lost the migration lock"), std::string::npos) << out;
  // V1 was inside its transaction on another connection, so it completes; V2 never starts.
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history "
                      "WHERE version IS NOT NULL"),
            "1");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'second'"), "0");
}

}  // namespace
}  // namespace strata::test
