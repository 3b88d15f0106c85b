// SIGKILL at random moments: all or nothing per migration, no lock left, a re-run converges.
#include <signal.h>

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

TEST(TortureKills, RandomSigkillsLeaveEachMigrationAllOrNothing) {
  const int runs = 30 * torture_scale(), migrations = 12;
  std::mt19937 random(20261202);
  std::uniform_int_distribution<int> delay_ms(0, 400);
  int killed_mid_run = 0, lock_holder_runs = 0;
  for (int run = 0; run < runs; ++run) {
    TestDatabase db;
    TempDir dir, logs;
    // Slow migrations (pg_sleep inside the transaction) give the kill something to interrupt.
    for (int n = 1; n <= migrations; ++n) {
      dir.write("V" + std::to_string(n) + "__t" + std::to_string(n) + ".sql",
                "CREATE TABLE t" + std::to_string(n) + " (id int);\nSELECT pg_sleep(0.02);\nINSERT INTO t" +
                    std::to_string(n) + " VALUES (1);\n");
    }
    // Every third run starts while another session holds the migration lock: killed while waiting.
    std::unique_ptr<Session> holder = run % 3 == 0 ? db.hold_migration_lock() : nullptr;
    lock_holder_runs += holder ? 1 : 0;
    const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    ::kill(pid, SIGKILL);
    if (wait_exit(pid) == 128 + SIGKILL) ++killed_mid_run;
    holder.reset();
    // The server notices the dead connection; its session lock goes with it.
    for (int i = 0; i < 50 && db.advisory_locks() != "0"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(db.advisory_locks(), "0") << "run " << run;
    EXPECT_EQ(objects_match_history(db, migrations), "") << "run " << run;
    const RunResult rerun = run_strata(migrate_args(db, dir));
    ASSERT_EQ(rerun.exit_code, 0) << "run " << run << ": " << rerun.all();
    EXPECT_EQ(objects_match_history(db, migrations), "") << "run " << run;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NOT NULL AND success"),
              std::to_string(migrations));
  }
  EXPECT_GE(killed_mid_run, runs / 2) << "most kills should land before strata finished";
  figures("kills: " + std::to_string(runs) + " runs SIGKILLed after 0-400 ms (" + std::to_string(killed_mid_run) +
          " mid-run, " + std::to_string(lock_holder_runs) +
          " while waiting for the lock): objects iff success rows, no lock left, every re-run converged");
}

}  // namespace
}  // namespace strata::test
