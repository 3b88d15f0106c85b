// What a run opens before it works: a no-op migrate reads everything it decides on over one
// connection and never opens the lock's; a run with work opens the lock's connection, takes the
// lock and reads the history again under it; --version, --help and usage errors never load libpq.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.hpp"
#include "strata/checksum.hpp"

namespace strata::test {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::size_t connections_opened(const RunResult& r) { return count(r.all(), "Opened a connection to "); }

std::vector<std::string> migrate_args(const std::string& url, const TempDir& dir) {
  return {"migrate", "-v", "--url", url, "--locations", dir.path().string()};
}

// A login role allowed one connection at a time, as the server counts them.
struct OneConnectionRole {
  TestDatabase& db;
  std::string name = "strata_one_" + std::to_string(::getpid());
  explicit OneConnectionRole(TestDatabase& admin) : db(admin) {
    db.session().exec("CREATE ROLE " + name + " LOGIN PASSWORD 'one-secret' CONNECTION LIMIT 1");
    db.session().exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + name);
  }
  ~OneConnectionRole() {
    db.session().exec_cleanup("DROP OWNED BY " + name);
    db.session().exec_cleanup("DROP ROLE " + name);
  }
  std::string url() const { return "postgresql://" + name + "@127.0.0.1:" + server().port + "/" + db.name(); }
};

TEST(Startup, ANoOpMigrateOpensOneConnectionAndNoLock) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__one.sql", "CREATE TABLE one (a int);\n");
  dir.write("R__view.sql", "CREATE OR REPLACE VIEW one_view AS SELECT a FROM one;\n");
  const RunResult first = run_strata(migrate_args(db.url(), dir));
  ASSERT_EQ(first.exit_code, 0) << first.all();
  EXPECT_EQ(connections_opened(first), 2u) << first.all();  // the run's and the lock's

  // A held lock cannot stop a run with nothing to do, and the server lets the role connect once.
  const std::unique_ptr<Session> holder = db.hold_migration_lock();
  OneConnectionRole role(db);
  const RunResult noop = run_strata(migrate_args(role.url(), dir), {{"PGPASSWORD", "one-secret"}});
  ASSERT_EQ(noop.exit_code, 0) << noop.all();
  EXPECT_EQ(connections_opened(noop), 1u) << noop.all();
  // What the server is, where the history is, and its rows: one round trip.
  EXPECT_NE(noop.all().find(" after 1 round trip\n"), std::string::npos) << noop.all();
  EXPECT_NE(noop.all().find("is up to date. No migration necessary."), std::string::npos) << noop.all();
  EXPECT_EQ(noop.all().find("migration lock"), std::string::npos) << noop.all();
}

TEST(Startup, ANoOpMigrateStillValidatesAndRefusesOverItsOneConnection) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__one.sql", "CREATE TABLE one (a int);\n");
  ASSERT_EQ(run_strata(migrate_args(db.url(), dir)).exit_code, 0);

  dir.write("V1__one.sql", "CREATE TABLE one (a bigint);\n");
  const RunResult changed = run_strata(migrate_args(db.url(), dir));
  EXPECT_EQ(changed.exit_code, 1) << changed.all();
  EXPECT_NE(changed.all().find("Validate failed: 1 problem"), std::string::npos) << changed.all();
  EXPECT_EQ(connections_opened(changed), 1u) << changed.all();

  dir.write("V1__one.sql", "CREATE TABLE one (a int);\n");
  dir.write("V2__two.sql", "CREATE TABLE two (a int);\n");
  db.insert_flyway_row("public", {"2", "2", "two", "SQL", "V2__two.sql", "0", "postgres", "2024-01-01 00:00:00", "1", "f"});
  const RunResult failed = run_strata(migrate_args(db.url(), dir));
  EXPECT_EQ(failed.exit_code, 1) << failed.all();
  EXPECT_NE(failed.all().find("strata repair"), std::string::npos) << failed.all();
  EXPECT_EQ(connections_opened(failed), 1u) << failed.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "2");
}

// The first look finds V2 pending; another runner applies it while this one waits for the lock.
// Under the lock the history is read again, so V2 is not run twice.
TEST(Startup, PendingWorkIsDecidedAgainUnderTheLock) {
  TestDatabase db;
  TempDir dir, logs;
  dir.write("V1__one.sql", "CREATE TABLE one (a int);\n");
  ASSERT_EQ(run_strata(migrate_args(db.url(), dir)).exit_code, 0);
  const std::string v2 = "CREATE TABLE two (a int);\n";
  dir.write("V2__two.sql", v2);

  std::unique_ptr<Session> holder = db.hold_migration_lock();
  const int pid = spawn_strata(migrate_args(db.url(), dir), logs.path() / "out");
  for (int i = 0; i < 600 && read_file(logs.path() / "out").find("Waiting for the migration lock") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  holder->exec(v2);
  db.insert_flyway_row("public", {"2", "2", "two", "SQL", "V2__two.sql", std::to_string(flyway_checksum(v2)), "other",
                                  "2024-01-01 00:00:00", "1", "t"});
  holder.reset();  // releases the lock
  const int code = wait_exit(pid);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("Waiting for the migration lock"), std::string::npos) << out;
  EXPECT_NE(out.find("is up to date. No migration necessary."), std::string::npos) << out;
  EXPECT_EQ(count(out, "Opened a connection to "), 2u) << out;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '2'"), "1");
}

// A directory whose libpq.so.5 is not a library: the loader fails on it, so a strata that linked
// libpq, or loaded it on start, could not get past it.
struct BrokenLibpq {
  TempDir dir;
  BrokenLibpq() { dir.write("libpq.so.5", "not a shared library\n"); }
  std::map<std::string, std::string> env() const { return {{"LD_LIBRARY_PATH", dir.path().string()}}; }
};

TEST(Startup, VersionHelpAndUsageErrorsNeverLoadLibpq) {
  BrokenLibpq broken;
  const RunResult version = run_strata({"--version"}, broken.env());
  EXPECT_EQ(version.exit_code, 0) << version.all();
  EXPECT_NE(version.out.find("strata"), std::string::npos) << version.all();
  const RunResult help = run_strata({"--help"}, broken.env());
  EXPECT_EQ(help.exit_code, 0) << help.all();
  EXPECT_NE(help.out.find("migrate"), std::string::npos) << help.all();
  const RunResult usage = run_strata({"migrate", "--no-such-option"}, broken.env());
  EXPECT_EQ(usage.exit_code, 2) << usage.all();
  EXPECT_EQ(usage.all().find("libpq"), std::string::npos) << usage.all();

  // The loader's own account: nothing named libpq is even looked for.
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--version"}, {"--help"}, {"info", "--bogus"}}) {
    const RunResult traced = run_strata(args, {{"LD_DEBUG", "libs"}});
    EXPECT_NE(traced.err.find("calling init"), std::string::npos) << traced.err;  // LD_DEBUG is honoured
    EXPECT_EQ(traced.err.find("libpq"), std::string::npos) << args.front() << ": " << traced.err;
  }
}

TEST(Startup, ACommandThatConnectsWithoutLibpqSaysSoInOneLine) {
  BrokenLibpq broken;
  TestDatabase db;
  TempDir dir;
  const RunResult r = run_strata({"info", "--url", db.url(), "--locations", dir.path().string()}, broken.env());
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("cannot load libpq.so.5 (install Debian's libpq5): "), std::string::npos) << r.all();
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.all();
}

}  // namespace
}  // namespace strata::test
