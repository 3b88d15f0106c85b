// SIGKILL at random moments inside a migration outside a transaction (CREATE INDEX CONCURRENTLY):
// the server aborts the orphaned build, no success row without every index VALID, no lock left,
// and a plain re-run drops the INVALID leftovers, rebuilds them and converges.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

const std::vector<std::string> kIndexes{"big_a", "big_b", "big_c"};

void write_migrations(const TempDir& dir) {
  // Large enough that each concurrent build takes a noticeable time to interrupt.
  dir.write("V1__big.sql",
            "CREATE TABLE big (id int, a int, b int, c text);\n"
            "INSERT INTO big SELECT g, g % 1013, g % 777, md5(g::text) FROM generate_series(1, 300000) g;\n");
  dir.write("V2__indexes.sql",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_a ON big (a);\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_b ON big (b);\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_c ON big (c, id);\n");
  dir.write("V3__after.sql", "CREATE TABLE after_indexes (id int);\nINSERT INTO after_indexes VALUES (1);\n");
}

// Back to "V1 applied": what the next kill starts from.
void reset(TestDatabase& db) {
  for (const std::string& index : kIndexes) db.query("DROP INDEX IF EXISTS " + index);
  db.query("DROP TABLE IF EXISTS after_indexes");
  db.query("DELETE FROM flyway_schema_history WHERE version IN ('2', '3')");
}

std::string valid_indexes(TestDatabase& db) {
  return db.scalar("SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid::regclass::text IN ('big_a', 'big_b', 'big_c')");
}
std::string invalid_indexes(TestDatabase& db) { return db.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid"); }
std::string success_rows(TestDatabase& db, const std::string& version) {
  return db.scalar("SELECT count(*) FROM flyway_schema_history WHERE success AND version = $1", {version});
}
// strata's own sessions still running something in this database (the test's session excluded).
std::string strata_active(TestDatabase& db) {
  return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                   " AND application_name = 'strata' AND state <> 'idle'");
}

// A build past its first transaction: its index is in the catalogue, INVALID until the build ends,
// so a kill from here on leaves it for the re-run to drop (pg_stat_progress_create_index shows a
// build earlier, while a kill still leaves nothing behind).
std::string building(TestDatabase& db) { return invalid_indexes(db); }

unsigned seed() {
  const char* v = std::getenv("STRATA_TORTURE_SEED");
  return v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : std::random_device{}();
}

TEST(TortureKillsOutsideTransaction, RandomSigkillsInConcurrentIndexBuildsHealOnReRun) {
  const int runs = 12 * torture_scale();
  const unsigned s = seed();
  std::cout << "[torture] seed " << s << " (STRATA_TORTURE_SEED=" << s << " repeats it)" << std::endl;
  std::mt19937 random(s);
  TestDatabase db;
  TempDir dir, logs;
  write_migrations(dir);
  std::vector<std::string> to_v1 = migrate_args(db, dir);
  to_v1.insert(to_v1.end(), {"--target", "1"});
  ASSERT_EQ(run_strata(to_v1).exit_code, 0);
  // How long V2 and V3 take whole: the kills land anywhere in it.
  const auto begun = steady_clock::now();
  const RunResult whole = run_strata(migrate_args(db, dir));
  ASSERT_EQ(whole.exit_code, 0) << whole.all();
  const auto full = std::chrono::duration_cast<milliseconds>(steady_clock::now() - begun);
  std::uniform_int_distribution<long> delay_ms(0, full.count());

  int kills = 0, mid_run = 0, left_invalid = 0, healed = 0;
  milliseconds slowest_orphan{0};
  // One run killed after a random delay, and what must hold after it.
  // Half the kills count their delay from the start of strata, half from the moment the server
  // shows one of its index builds in progress, so that builds are hit often whatever the load.
  std::uniform_int_distribution<long> build_delay_ms(0, full.count() / 4);
  const auto kill_at_random = [&](int run, bool during_build) {
    const int pid = spawn_strata(migrate_args(db, dir), logs.path() / "out");
    for (int i = 0; during_build && i < 500 && building(db) == "0"; ++i) std::this_thread::sleep_for(milliseconds(10));
    // The first such kill is at once, so that at least one run leaves an INVALID index however
    // fast the builds go against the random delays.
    const long delay = during_build ? (run == 0 ? 0 : build_delay_ms(random)) : delay_ms(random);
    std::this_thread::sleep_for(milliseconds(delay));
    const auto killed = steady_clock::now();
    ::kill(pid, SIGKILL);
    ++kills;
    if (wait_exit(pid) == 128 + SIGKILL) ++mid_run;
    // The server notices the dead client (client_connection_check_interval) and aborts its statement.
    while (strata_active(db) != "0" && steady_clock::now() - killed < std::chrono::seconds(10))
      std::this_thread::sleep_for(milliseconds(20));
    slowest_orphan = std::max(slowest_orphan, std::chrono::duration_cast<milliseconds>(steady_clock::now() - killed));
    EXPECT_EQ(strata_active(db), "0") << "run " << run << ": a statement of the killed strata is still running";
    EXPECT_EQ(db.advisory_locks(), "0") << "run " << run;
    if (success_rows(db, "2") != "0") EXPECT_EQ(valid_indexes(db), "3") << "run " << run << ": V2 recorded without every index";
    EXPECT_EQ(success_rows(db, "3") != "0", db.scalar("SELECT to_regclass('after_indexes') IS NOT NULL") == "t");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE NOT success"), "0") << "run " << run;
    if (invalid_indexes(db) != "0") ++left_invalid;
    if (read_file(logs.path() / "out").find("dropping invalid index") != std::string::npos) ++healed;
  };
  for (int run = 0; run < runs; ++run) {
    reset(db);
    kill_at_random(run, run % 2 == 0);
    // Every other time the next run is killed too, perhaps while it drops what the first left.
    if (run % 2 == 1) kill_at_random(run, false);

    const RunResult rerun = run_strata(migrate_args(db, dir));
    ASSERT_EQ(rerun.exit_code, 0) << "run " << run << " (seed " << s << "): " << rerun.all();
    if (rerun.all().find("dropping invalid index") != std::string::npos) ++healed;
    EXPECT_EQ(valid_indexes(db), "3") << "run " << run;
    EXPECT_EQ(invalid_indexes(db), "0") << "run " << run;
    for (const char* version : {"1", "2", "3"}) EXPECT_EQ(success_rows(db, version), "1") << "run " << run << " V" << version;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE NOT success"), "0") << "run " << run;
  }
  EXPECT_GE(mid_run, kills / 2) << "most kills should land before strata finished";
  EXPECT_GE(healed, 1) << "some kill should have left an INVALID index for a later run to drop";
  figures("kills outside a transaction: " + std::to_string(kills) + " runs SIGKILLed at random moments of 3 concurrent index builds + 1 migration (0-" +
          std::to_string(full.count()) + " ms after start, or 0-" + std::to_string(full.count() / 4) +
          " ms into a build; seed " + std::to_string(s) + "): " + std::to_string(mid_run) + " mid-run, " +
          std::to_string(left_invalid) + " left an INVALID index, " + std::to_string(healed) +
          " runs dropped one and built it again; orphaned statements gone within " +
          std::to_string(slowest_orphan.count()) + " ms; no lock left, no success row without its VALID indexes, "
          "every re-run converged");
}

}  // namespace
}  // namespace strata::test
