// The everyday commands through the real binary: init, new and status (exit codes included).
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

// Runs `command` (a shell command line, $STRATA naming the binary) in `dir`; out holds stdout and
// stderr together.
RunResult run_in(const fs::path& dir, const std::string& command) {
  return run_shell("cd '" + dir.string() + "' && STRATA='" + STRATA_BIN + "' && " + command);
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Init, WritesAConfigThatLoadsAndAMigrationsDirectory) {
  TempDir dir;
  RunResult r = run_in(dir.path(), "$STRATA init");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::is_directory(dir.path() / "migrations"));
  const std::string config = read_file(dir.path() / "strata.yaml");
  for (const char* want : {"  dev:", "  staging:", "  prod:", "lockWaitTimeout", "lock_timeout"})
    EXPECT_NE(config.find(want), std::string::npos) << want;
  // What it wrote is a valid config: each environment loads.
  for (const char* env : {"dev", "staging", "prod"}) {
    RunResult n = run_in(dir.path(), std::string("$STRATA -e ") + env + " new 'check " + env + "'");
    EXPECT_EQ(n.exit_code, 0) << n.out;
  }
}

TEST(Init, RefusesToOverwriteAndWritesNothing) {
  TempDir dir;
  dir.write("strata.yaml", "url: postgresql://mine\n");
  RunResult r = run_in(dir.path(), "$STRATA init");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("ERROR: strata.yaml already exists"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(dir.path() / "strata.yaml"), "url: postgresql://mine\n");
  EXPECT_FALSE(fs::exists(dir.path() / "migrations"));

  TempDir other;
  other.write("migrations", "a file, not a directory\n");
  r = run_in(other.path(), "$STRATA init");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("migrations exists and is not a directory"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(other.path() / "strata.yaml")) << "nothing is written when anything is in the way";
}

TEST(Init, KeepsAnExistingMigrationsDirectory) {
  TempDir dir;
  dir.write("migrations/V1__first.sql", "SELECT 1;\n");
  RunResult r = run_in(dir.path(), "$STRATA init");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_file(dir.path() / "migrations/V1__first.sql"), "SELECT 1;\n");
}

TEST(New, NumbersAfterTheHighestIntegerVersionAcrossLocations) {
  TempDir dir;
  dir.write("db/V1__a.sql", "");
  dir.write("more/V17__b.sql", "");
  RunResult r = run_in(dir.path(), "$STRATA --locations db,filesystem:more new 'Add orders table'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "db/V18__Add_orders_table.sql\n");
  EXPECT_TRUE(fs::exists(dir.path() / "db/V18__Add_orders_table.sql"));
}

TEST(New, DottedVersionsAndRepeatables) {
  TempDir dir;
  dir.write("migrations/V1.1__a.sql", "");
  dir.write("migrations/V1.2__b.sql", "");
  RunResult r = run_in(dir.path(), "$STRATA new 'c' && $STRATA new --repeatable 'refresh views'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "migrations/V1.3__c.sql\nmigrations/R__refresh_views.sql\n");
  r = run_in(dir.path(), "$STRATA new --repeatable 'refresh views'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("migrations/R__refresh_views.sql already exists"), std::string::npos) << r.out;
}

TEST(New, TimestampsWhenAskedAndWhenTheProjectUsesThem) {
  TempDir dir;
  RunResult r = run_in(dir.path(), "$STRATA new --timestamp first && $STRATA new second");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> names = files_in(dir.path() / "migrations");
  ASSERT_EQ(names.size(), 2u) << r.out;
  // V + 14 digits + __first.sql, and the second after it even within the same second.
  EXPECT_EQ(names[0].size(), 1 + 14 + 11u) << names[0];
  EXPECT_EQ(names[0].substr(15), "__first.sql");
  EXPECT_EQ(names[1].substr(15), "__second.sql");
  EXPECT_LT(names[0].substr(1, 14), names[1].substr(1, 14));
  // A repeatable has no version to be a timestamp.
  r = run_in(dir.path(), "$STRATA new --timestamp --repeatable x");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

TEST(Status, EveryExitCode) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__one.sql", "CREATE TABLE one (id int);\n");
  const std::vector<std::string> where{"--url", db.url(), "--locations", dir.path().string()};
  auto status = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"status", "--exit-code"};
    args.insert(args.end(), where.begin(), where.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run_strata(args);
  };
  RunResult r = status({});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(r.out, "Schema \"public\" has no version yet: 1 pending, nothing failed\n");

  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);
  r = status({});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.out, "Schema \"public\" is at version 1: up to date, nothing failed\n");
  EXPECT_EQ(run_strata({"status", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);

  r = status({"--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("\"schemaVersion\": \"1\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"upToDate\": true"), std::string::npos) << r.out;

  dir.write("V0.5__late.sql", "CREATE TABLE late (id int);\n");  // below the current version
  r = status({});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.out.find("0 pending, 1 ignored (below the current version"), std::string::npos) << r.out;
  fs::remove(dir.path() / "V0.5__late.sql");

  fs::rename(dir.path() / "V1__one.sql", dir.path() / "V1__one.sql.off");  // applied, file gone
  r = status({});
  EXPECT_EQ(r.exit_code, 5) << r.all();
  EXPECT_NE(r.out.find("1 applied without a file here, e.g. version 1 (one)"), std::string::npos) << r.out;
  fs::rename(dir.path() / "V1__one.sql.off", dir.path() / "V1__one.sql");

  db.insert_flyway_row("public", {"2", "2", "two", "SQL", "V2__two.sql", "0", "postgres", "2024-01-01 00:00:00", "1", "f"});
  dir.write("V2__two.sql", "CREATE TABLE two (id int);\n");
  r = status({});
  EXPECT_EQ(r.exit_code, 5) << r.all();
  EXPECT_NE(r.out.find("failed: version 2 (two)"), std::string::npos) << r.out;
  // Without --exit-code, status reports and succeeds.
  EXPECT_EQ(run_strata({"status", "--url", db.url(), "--locations", dir.path().string()}).exit_code, 0);

  dir.write("Vx__bad.sql", "SELECT 1;\n");
  EXPECT_EQ(status({}).exit_code, 2);
  fs::remove(dir.path() / "Vx__bad.sql");
  r = run_strata({"status", "--exit-code", "--url", "postgresql://postgres@127.0.0.1:1/nowhere", "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3) << r.all();
}

}  // namespace
}  // namespace strata::test
