// What users see: exit codes, one-line errors, JSON logs, and no password anywhere.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "harness.hpp"

namespace strata::test {
namespace {

TEST(Cli, InputErrorsExitTwoBeforeTouchingTheDatabase) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("sub/V1.0__b.sql", "CREATE TABLE b (id int);\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V1__a.sql"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("V1.0__b.sql"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('flyway_schema_history') IS NULL"), "t");
}

TEST(Cli, InvalidUtf8NamesFileAndOffset) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__bad.sql", std::string("SELECT 1;\nSELECT '\xff';\n"));
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V1__bad.sql"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("18"), std::string::npos) << r.err;
}

TEST(Cli, MissingLocationExitsTwo) {
  TestDatabase db;
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", "/nonexistent/strata-migrations"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("/nonexistent/strata-migrations"), std::string::npos) << r.err;
}

TEST(Cli, UnknownFlagIsAUsageError) {
  RunResult r = run_strata({"migrate", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
}

// Every usage error is one "ERROR: " line, CLI11's own ones too.
TEST(Cli, UnknownOptionIsAnErrorLine) {
  RunResult r = run_strata({"migrate", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_EQ(r.err.rfind("ERROR: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("--frobnicate"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Cli, UnknownCommandIsNamed) {
  RunResult r = run_strata({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST(Cli, ConnectErrorIsOneLine) {
  TempDir dir;
  RunResult r = run_strata({"info", "--url", "postgresql://someone@127.0.0.1:1/nope", "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find('\t'), std::string::npos) << r.err;
}

TEST(Cli, CannotConnectExitsThreeWithoutThePassword) {
  TempDir dir;
  dir.write("V1__a.sql", "SELECT 1;\n");
  RunResult r = run_strata({"migrate", "--url", "postgresql://someone:Sup3rS3cretPw@127.0.0.1:1/nope", "--locations",
                            dir.path().string()});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  EXPECT_EQ(r.all().find("Sup3rS3cretPw"), std::string::npos) << r.all();
}

TEST(Cli, WrongPasswordExitsThreeWithoutThePassword) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "SELECT 1;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--password", "Wr0ngPassw0rdX", "--locations",
                            dir.path().string(), "--verbose"});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_EQ(r.all().find("Wr0ngPassw0rdX"), std::string::npos) << r.all();
}

TEST(Cli, PasswordInUrlWorksAndNeverShows) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "SELECT * FROM missing_table;\n");
  for (const char* format : {"text", "json"}) {
    RunResult r = run_strata({"migrate", "--url", db.url_with_password(), "--locations", dir.path().string(),
                              "--verbose", "--log-format", format},
                             {{"PGPASSWORD", ""}});
    EXPECT_EQ(r.exit_code, 1) << r.all();
    EXPECT_EQ(r.all().find(server().password), std::string::npos) << r.all();
  }
}

TEST(Cli, JsonLogLinesCarryLevelAndFields) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "SELECT * FROM\n missing_table;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--log-format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(r.err.empty()) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int errors = 0;
  int infos = 0;
  int applied = 0;
  std::string last;
  while (std::getline(lines, line)) {
    nlohmann::json j = nlohmann::json::parse(line);  // every line is one JSON object
    last = line;
    if (j.contains("error") && !j.contains("ts")) continue;  // the result document, checked below
    ASSERT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    if (j["level"] == "error") {
      ++errors;
      EXPECT_EQ(j["sqlstate"], "42P01") << line;
      EXPECT_EQ(j["line"], 2) << line;
      EXPECT_NE(j["file"].get<std::string>().find("V2__b.sql"), std::string::npos) << line;
    }
    if (j["level"] == "info") ++infos;
    if (j["msg"] == "Applied migration V1__a.sql") {
      ++applied;
      EXPECT_EQ(j["version"], "1") << line;
      EXPECT_TRUE(j["duration_ms"].is_number_integer()) << line;
    }
  }
  EXPECT_EQ(errors, 1);
  EXPECT_GE(infos, 1);
  EXPECT_EQ(applied, 1);
  // The last line is the result document: what was applied, then the error.
  nlohmann::json doc = nlohmann::json::parse(last);
  EXPECT_EQ(doc["migrationsExecuted"], 1) << last;
  EXPECT_EQ(doc["error"]["sqlState"], "42P01") << last;
}

TEST(Cli, ConfigFromEnvironmentVariables) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata({"migrate"}, {{"FLYWAY_URL", "jdbc:postgresql://127.0.0.1:" + server().port + "/" + db.name()},
                                         {"FLYWAY_USER", server().user},
                                         {"FLYWAY_PASSWORD", server().password},
                                         {"STRATA_LOCATIONS", "filesystem:" + dir.path().string()},
                                         {"FLYWAY_LOCATIONS", "/nonexistent"},
                                         {"PGPASSWORD", ""}});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "1");
}

TEST(Cli, ConfigFileEnvironments) {
  TestDatabase db;
  TempDir dir;
  dir.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n");
  auto cfg = dir.write("strata.yaml",
                       "locations: [\"" + (dir.path() / "sql").string() + "\"]\n"
                       "environments:\n"
                       "  dev:\n"
                       "    url: " + db.url() + "\n"
                       "  prod:\n"
                       "    url: postgresql://nobody@127.0.0.1:1/prod\n"
                       "    protected: true\n");
  RunResult r = run_strata({"migrate", "-c", cfg.string(), "-e", "dev"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "1");
  RunResult bad = run_strata({"migrate", "-c", cfg.string(), "-e", "qa"});
  EXPECT_EQ(bad.exit_code, 2) << bad.all();
  EXPECT_NE(bad.err.find("qa"), std::string::npos) << bad.err;
}

TEST(Cli, PgpassSuppliesThePassword) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  auto pgpass = dir.write("pgpass", "127.0.0.1:" + server().port + ":*:" + server().user + ":" + server().password + "\n");
  std::filesystem::permissions(pgpass, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()},
                           {{"PGPASSWORD", ""}, {"PGPASSFILE", pgpass.string()}});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.all().find(server().password), std::string::npos) << r.all();
}

TEST(Cli, QuietKeepsOnlyProblemsAndVerboseAddsTimings) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  RunResult quiet = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--quiet"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.all();
  EXPECT_EQ(quiet.all(), "");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  RunResult verbose = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--verbose"});
  EXPECT_EQ(verbose.exit_code, 0) << verbose.all();
  EXPECT_NE(verbose.all().find("Resolved 2 migrations"), std::string::npos) << verbose.all();
  EXPECT_NE(verbose.all().find("Successfully applied 1 migration"), std::string::npos) << verbose.all();
}

TEST(Cli, VersionAndHelp) {
  RunResult v = run_strata({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("strata ", 0), 0u) << v.out;
  RunResult h = run_strata({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("Exit codes"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("lock-wait-timeout"), std::string::npos) << h.out;
}

}  // namespace
}  // namespace strata::test
