// SIGTERM (what ECS sends) and SIGINT during a migration: the statement is cancelled on the server,
// the migration rolled back, the lock released, and the exit code says which signal it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness.hpp"

namespace strata::test {
namespace {

void wait_until_running(TestDatabase& db, const std::string& needle) {
  for (int i = 0; i < 200; ++i) {
    if (db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE $1 "
                  "AND pid <> pg_backend_pid()",
                  {"%" + needle + "%"}) != "0") {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "the migration never started";
}

void interrupt_during_sleep(int sig, int expected_exit) {
  TestDatabase db;
  TempDir dir;
  TempDir logs;
  dir.write("V1__first.sql", "CREATE TABLE first (id int);\n");
  dir.write("V2__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60) AS strata_slow_step;\n");
  int pid = spawn_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}, logs.path() / "out");
  wait_until_running(db, "strata_slow_step");
  const auto sent = std::chrono::steady_clock::now();
  kill(pid, sig);
  int code = wait_exit(pid);
  const auto took = std::chrono::steady_clock::now() - sent;
  std::string out = read_file(logs.path() / "out");
  EXPECT_EQ(code, expected_exit) << out;
  EXPECT_LT(took, std::chrono::seconds(2)) << out;
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',') FROM flyway_schema_history"), "1");
  EXPECT_EQ(db.scalar("SELECT to_regclass('slow') IS NULL"), "t");
  EXPECT_EQ(db.advisory_locks(), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%strata_slow_step%' "
                      "AND pid <> pg_backend_pid() AND datname = current_database()"),
            "0");
}

TEST(Interrupt, SigtermCancelsRollsBackAndExits143) { interrupt_during_sleep(SIGTERM, 143); }

TEST(Interrupt, SigintExits130) { interrupt_during_sleep(SIGINT, 130); }

}  // namespace
}  // namespace strata::test
