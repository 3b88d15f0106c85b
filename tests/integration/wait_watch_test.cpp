// Issue 16: a migration blocked by another session's lock must say what it waits for.
#include "strata/wait_watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "../unit/capture.hpp"
#include "harness.hpp"
#include "strata/error.hpp"
#include "strata/lock.hpp"

namespace strata::test {
namespace {

using namespace std::chrono_literals;

int backend_pid(Session& s) { return std::stoi(*s.query("SELECT pg_backend_pid()")[0][0]); }

TEST(WaitWatcher, NamesTheBlockersPidAndQueryWithinTheInterval) {
  TestDatabase db;
  db.session().exec("CREATE TABLE contested (id int)");
  Session holder(db.settings());
  holder.exec("BEGIN");
  holder.exec("LOCK TABLE contested IN ACCESS EXCLUSIVE MODE");
  Session waiter(db.settings());
  const int waiter_pid = backend_pid(waiter);

  Capture err(2);
  {
    WaitWatcher watch(db.settings(), waiter_pid, 300ms);
    auto blocked = std::async(std::launch::async, [&] { return waiter.query("SELECT count(*) FROM contested"); });
    std::this_thread::sleep_for(1000ms);  // the interval plus generous slack for a loaded machine
    holder.exec("COMMIT");
    EXPECT_EQ(*blocked.get()[0][0], "0");
  }
  const std::string log = err.finish();
  EXPECT_NE(log.find("backend pid " + std::to_string(waiter_pid) + " is blocked by pid " +
                     std::to_string(backend_pid(holder))),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("state 'idle in transaction'"), std::string::npos) << log;
  EXPECT_NE(log.find("query: LOCK TABLE contested IN ACCESS EXCLUSIVE MODE"), std::string::npos) << log;
}

TEST(WaitWatcher, SaysNothingWhileTheSessionIsNotBlocked) {
  TestDatabase db;
  Session idle(db.settings());
  Capture err(2);
  {
    WaitWatcher watch(db.settings(), backend_pid(idle), 100ms);
    std::this_thread::sleep_for(450ms);
  }
  EXPECT_EQ(err.finish(), "");
}

TEST(WaitWatcher, StopsAtOnceWhenTheWorkEndsBeforeTheInterval) {
  TestDatabase db;
  const auto started = std::chrono::steady_clock::now();
  { WaitWatcher watch(db.settings(), 1, 60s); }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST(MigrationLockWait, ReportsWhichSessionHoldsTheLockEveryIntervalAndOnTimeout) {
  TestDatabase db;
  auto holder = db.hold_migration_lock();
  const int holder_pid = backend_pid(*holder);
  const std::string table = "\"public\".\"flyway_schema_history\"";
  Capture out(1);
  std::string timeout_message;
  try {
    MigrationLock lock(db.settings(), flyway_lock_key(table), table, 1500ms, 50ms, 400ms);
  } catch (const LockTimeout& e) {
    timeout_message = e.what();
  }
  const std::string log = out.finish();
  const std::string held = "held by pid " + std::to_string(holder_pid) + " (application_name '";
  EXPECT_NE(timeout_message.find(held), std::string::npos) << timeout_message;
  EXPECT_NE(log.find("Waiting for the migration lock on " + table + ", " + held), std::string::npos) << log;
  EXPECT_NE(log.find("Still waiting after 1s for the migration lock on " + table + ", " + held), std::string::npos)
      << log;
  EXPECT_NE(log.find("connected since "), std::string::npos) << log;
}

}  // namespace
}  // namespace strata::test
