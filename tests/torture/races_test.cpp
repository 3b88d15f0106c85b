// Concurrent runners: every migration applied exactly once, ranks contiguous, nobody fails.
#include <gtest/gtest.h>

#include "torture.hpp"

namespace strata::test {
namespace {

std::vector<int> spawn_all(const std::vector<std::vector<std::string>>& runs, const TempDir& logs) {
  std::vector<int> pids;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    pids.push_back(spawn_strata(runs[i], logs.path() / ("run" + std::to_string(i))));
  }
  return pids;
}

TEST(TortureRaces, SixteenRunnersApplyFiftyMigrationsExactlyOnce) {
  const int runners = 16, migrations = 50 * torture_scale();
  TestDatabase db;
  TempDir dir, logs;
  write_table_migrations(dir, migrations);
  std::vector<std::vector<std::string>> runs(runners, migrate_args(db, dir));
  const std::vector<int> pids = spawn_all(runs, logs);
  for (std::size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(wait_exit(pids[i]), 0) << read_file(logs.path() / ("run" + std::to_string(i)));
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NOT NULL AND success"),
            std::to_string(migrations));
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT version) FROM flyway_schema_history WHERE version IS NOT NULL"),
            std::to_string(migrations));
  EXPECT_EQ(db.scalar("SELECT min(installed_rank) || '..' || max(installed_rank) || ' ' || count(*) "
                      "FROM flyway_schema_history WHERE installed_rank > 0"),
            "1.." + std::to_string(migrations) + " " + std::to_string(migrations));
  EXPECT_EQ(objects_match_history(db, migrations), "");
  EXPECT_EQ(db.advisory_locks(), "0");
  figures("races: " + std::to_string(runners) + " runners x " + std::to_string(migrations) +
          " migrations, each applied once, ranks 1.." + std::to_string(migrations) + " contiguous, all exit 0");
}

TEST(TortureRaces, MigrateRacesRepairBaselineAndANewerFileSet) {
  const int rounds = 3 * torture_scale();
  for (int round = 0; round < rounds; ++round) {
    TestDatabase db;
    TempDir older, newer, logs;
    write_table_migrations(older, 10);
    write_table_migrations(newer, 15);
    const std::vector<std::vector<std::string>> runs = {
        migrate_args(db, older),
        migrate_args(db, newer),
        {"repair", "--url", db.url(), "--locations", older.path().string()},
        {"baseline", "--url", db.url(), "--locations", older.path().string()},
        migrate_args(db, newer),
    };
    const std::vector<int> pids = spawn_all(runs, logs);
    std::string outcomes;
    for (std::size_t i = 0; i < pids.size(); ++i) {
      const int code = wait_exit(pids[i]);
      outcomes += std::to_string(code) + " ";
      // A baseline that comes second finds a non-empty history and refuses: exit 1, never a crash.
      EXPECT_TRUE(code == 0 || code == 1) << read_file(logs.path() / ("run" + std::to_string(i)));
    }
    const RunResult converge = run_strata(migrate_args(db, newer));
    ASSERT_EQ(converge.exit_code, 0) << converge.all();
    const bool baselined = db.scalar("SELECT count(*) FROM flyway_schema_history WHERE type = 'BASELINE'") != "0";
    if (!baselined) {
      EXPECT_EQ(objects_match_history(db, 15), "") << outcomes;
      EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version IS NOT NULL AND success"), "15");
    }
    EXPECT_EQ(db.scalar("SELECT count(*) - count(DISTINCT installed_rank) FROM flyway_schema_history"), "0");
    EXPECT_EQ(db.advisory_locks(), "0");
    figures("races: round " + std::to_string(round + 1) + "/" + std::to_string(rounds) +
            ": migrate(10) | migrate(15) | repair | baseline | migrate(15) exited " + outcomes +
            (baselined ? "(baseline won)" : "(migrate won)") + ", re-run converged");
  }
}

}  // namespace
}  // namespace strata::test
