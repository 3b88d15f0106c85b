// client_connection_check_interval: every strata connection has the server check for a dead
// client while a statement runs, so a SIGKILLed strata's statement does not run on; a value the
// connection's options set is kept.
#include <signal.h>

#include <gtest/gtest.h>

#include <thread>

#include "harness.hpp"

namespace strata::test {
namespace {

std::string check_interval(Session& s) {
  Rows r = s.query("SHOW client_connection_check_interval");
  return r.at(0).at(0).value_or("");
}

TEST(DeadClientCheck, ASessionAboutToRunStatementsChecksForADeadClient) {
  TestDatabase db;
  ConnectionSettings settings = db.settings();
  Session session(settings);
  EXPECT_EQ(check_interval(session), "0") << "a session that only reads (a no-op run) does not ask";
  session.check_for_dead_client();
  EXPECT_EQ(check_interval(session), "1s");
}

TEST(DeadClientCheck, AValueTheConnectionOptionsSetIsKept) {
  TestDatabase db;
  for (const char* value : {"0", "5000"}) {
    ConnectionSettings settings = db.settings();
    settings.conninfo += std::string(" options='-c client_connection_check_interval=") + value + "'";
    Session session(settings);
    session.check_for_dead_client();
    EXPECT_EQ(check_interval(session), std::string(value) == "0" ? "0" : "5s");
  }
}

TEST(DeadClientCheck, AKilledStrataStatementStopsOnTheServer) {
  TestDatabase db;
  TempDir dir, logs;
  dir.write("V1__slow.sql", "SELECT pg_sleep(60);\n");
  const int pid = spawn_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}, logs.path() / "out");
  const std::string sleeping =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
      " AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()";
  for (int i = 0; i < 500 && db.scalar(sleeping) == "0"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(db.scalar(sleeping), "1") << read_file(logs.path() / "out");
  ::kill(pid, SIGKILL);
  wait_exit(pid);
  // Without the check the server would sleep on for the rest of the minute.
  for (int i = 0; i < 250 && db.scalar(sleeping) != "0"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(db.scalar(sleeping), "0");
  EXPECT_EQ(db.advisory_locks(), "0");
}

}  // namespace
}  // namespace strata::test
