// Another session holds what strata needs: strata says, every interval, who and what it waits for.
#include <gtest/gtest.h>

#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

using namespace std::chrono_literals;

int backend_pid(Session& s) { return std::stoi(*s.query("SELECT pg_backend_pid()")[0][0]); }

TEST(TortureLockContention, AHeldMigrationLockIsReportedWithItsHolderEveryInterval) {
  TestDatabase db;
  TempDir dir, logs;
  write_table_migrations(dir, 2);
  auto holder = db.hold_migration_lock();
  const std::string holder_pid = std::to_string(backend_pid(*holder));
  const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
  std::this_thread::sleep_for(7s);  // the default report interval (5 s) plus slack
  holder.reset();
  EXPECT_EQ(wait_exit_within(pid, 30s), 0);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_NE(out.find("Waiting for the migration lock on \"public\".\"flyway_schema_history\", held by pid " + holder_pid),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Still waiting after 5s for the migration lock"), std::string::npos) << out;
  EXPECT_EQ(objects_match_history(db, 2), "");
  figures("lock contention: migration lock held 7 s by pid " + holder_pid +
          ": strata named the holder at once and again after 5 s, then applied 2 migrations");
}

TEST(TortureLockContention, AStatementBlockedByATableLockNamesTheBlockerAndItsQuery) {
  TestDatabase db;
  TempDir dir, logs;
  db.session().exec("CREATE SCHEMA other; CREATE TABLE other.contested (id int)");
  dir.write("V1__alter.sql", "ALTER TABLE other.contested ADD COLUMN note text;\n");
  Session holder(db.settings());
  const std::string holder_pid = std::to_string(backend_pid(holder));  // before the LOCK: its last query
  holder.exec("BEGIN");
  holder.exec("LOCK TABLE other.contested IN ACCESS EXCLUSIVE MODE");
  const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
  std::this_thread::sleep_for(7s);
  holder.exec("COMMIT");
  EXPECT_EQ(wait_exit_within(pid, 30s), 0);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_NE(out.find("is blocked by pid " + holder_pid), std::string::npos) << out;
  EXPECT_NE(out.find("query: LOCK TABLE other.contested IN ACCESS EXCLUSIVE MODE"), std::string::npos) << out;
  figures("lock contention: a table lock held 7 s by pid " + holder_pid + ": strata named the blocker and its query");
}

}  // namespace
}  // namespace strata::test
