// SIGTERM / SIGINT: the running statement cancelled, rolled back, lock released, 143 / 130 in 2 s.
#include <signal.h>

#include <gtest/gtest.h>

#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

void interrupt_long_migration(int signal_number, int expected_exit) {
  TestDatabase db;
  TempDir dir, logs;
  dir.write("V1__fast.sql", "CREATE TABLE fast (id int);\n");
  dir.write("V2__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);\n");
  const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
  // Until the slow statement is running on the server.
  bool sleeping = false;
  for (int i = 0; i < 500 && !sleeping; ++i) {
    sleeping = db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(60)%' AND pid <> "
                         "pg_backend_pid()") != "0";
    if (!sleeping) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(sleeping) << read_file(logs.path() / "out");
  const auto sent = std::chrono::steady_clock::now();
  ::kill(pid, signal_number);
  const int code = wait_exit_within(pid, std::chrono::seconds(2));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  EXPECT_EQ(code, expected_exit) << read_file(logs.path() / "out");
  EXPECT_EQ(db.scalar("SELECT to_regclass('public.slow') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '2'"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success"), "1");
  // Cancelled, not left running on the server: no session is still active in it.
  const std::string still_running =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> "
      "pg_backend_pid()";
  for (int i = 0; i < 50 && db.scalar(still_running) != "0"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(db.scalar(still_running), "0");
  EXPECT_EQ(db.advisory_locks(), "0");
  figures(std::string("signals: ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") + " during pg_sleep(60): exit " +
          std::to_string(code) + " after " + std::to_string(took.count()) +
          " ms, V2 rolled back, V1 kept, statement cancelled, lock released");
}

TEST(TortureSignals, SigtermCancelsRollsBackAndExits143) { interrupt_long_migration(SIGTERM, 143); }
TEST(TortureSignals, SigintCancelsRollsBackAndExits130) { interrupt_long_migration(SIGINT, 130); }

}  // namespace
}  // namespace strata::test
