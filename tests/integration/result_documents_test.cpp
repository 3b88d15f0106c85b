// Result documents from the real binary: with -outputType=json stdout is Flyway's document alone,
// and under --log-format json the document is the last line of stdout, on success and on failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace strata::test {
namespace {

using nlohmann::json;

std::vector<std::string> args(const std::string& command, const TestDatabase& db, const TempDir& dir,
                              std::vector<std::string> extra = {}) {
  std::vector<std::string> out{command, "--url", db.url(), "--locations", dir.path().string()};
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// -outputType=json: all of stdout is one document.
json whole_document(const RunResult& r) {
  json doc = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << r.out;
  return doc;
}

// --log-format json: every line is a JSON object; the last one is returned.
json last_line(const RunResult& r) {
  std::istringstream in(r.out);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << "not JSON: " << line;
    last = line;
  }
  json doc = json::parse(last, nullptr, false);
  EXPECT_TRUE(doc.is_object() && !doc.contains("ts")) << "the last line is a log line: " << last;
  return doc;
}

std::string absolute(const TempDir& dir, const std::string& name) {
  return std::filesystem::absolute(dir.path() / name).lexically_normal().generic_string();
}

void write_two(const TempDir& dir) {
  dir.write("V1__create_users.sql", "CREATE TABLE users (id int);\n");
  dir.write("V2__add_email.sql", "ALTER TABLE users ADD COLUMN email text;\n");
}

// Both applied, then V2 edited: its checksum no longer matches the history.
void apply_then_change_v2(const TestDatabase& db, const TempDir& dir) {
  write_two(dir);
  ASSERT_EQ(run_strata(args("migrate", db, dir)).exit_code, 0);
  dir.write("V2__add_email.sql", "ALTER TABLE users ADD COLUMN email varchar(200);\n");
}

TEST(ResultDocuments, MigrateTwoAppliedThenNothingToDo) {
  TestDatabase db;
  TempDir dir;
  write_two(dir);
  RunResult r = run_strata(args("migrate", db, dir, {"-outputType=json"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  json doc = whole_document(r);
  EXPECT_EQ(doc["operation"], "migrate");
  EXPECT_EQ(doc["success"], true);
  EXPECT_TRUE(doc["initialSchemaVersion"].is_null()) << r.out;
  EXPECT_EQ(doc["targetSchemaVersion"], "2");
  EXPECT_EQ(doc["migrationsExecuted"], 2);
  EXPECT_EQ(doc["database"], db.name());
  EXPECT_EQ(doc["schemaName"], "public");
  ASSERT_EQ(doc["migrations"].size(), 2u) << r.out;
  const json& first = doc["migrations"][0];
  EXPECT_EQ(first["category"], "Versioned");
  EXPECT_EQ(first["version"], "1");
  EXPECT_EQ(first["description"], "create users");
  EXPECT_EQ(first["type"], "SQL");
  EXPECT_EQ(first["filepath"], absolute(dir, "V1__create_users.sql"));
  EXPECT_TRUE(first["executionTime"].is_number_integer());
  EXPECT_TRUE(r.err.find("Successfully applied 2 migrations") != std::string::npos) << r.err;  // logs on stderr

  RunResult again = run_strata(args("migrate", db, dir, {"--log-format", "json"}));
  ASSERT_EQ(again.exit_code, 0) << again.all();
  doc = last_line(again);
  EXPECT_EQ(doc["operation"], "migrate");
  EXPECT_EQ(doc["initialSchemaVersion"], "2");
  EXPECT_TRUE(doc["targetSchemaVersion"].is_null());  // as Flyway: the last version this run applied
  EXPECT_EQ(doc["migrationsExecuted"], 0);
  EXPECT_EQ(doc["migrations"], json::array());
}

TEST(ResultDocuments, RepairListsRemovedAndAlignedRows) {
  TestDatabase db;
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(apply_then_change_v2(db, dir));
  db.query(
      "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
      "installed_by, execution_time, success) VALUES (3, '3', 'broken', 'SQL', 'V3__broken.sql', 1, 'x', 0, false)");
  RunResult r = run_strata(args("repair", db, dir, {"--log-format", "json"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  json doc = last_line(r);
  EXPECT_EQ(doc["operation"], "repair");
  EXPECT_EQ(doc["migrationsRemoved"], json::parse(R"([{"version":"3","description":"broken","filepath":""}])"));
  ASSERT_EQ(doc["migrationsAligned"].size(), 1u) << r.out;
  EXPECT_EQ(doc["migrationsAligned"][0]["version"], "2");
  EXPECT_EQ(doc["migrationsAligned"][0]["filepath"], absolute(dir, "V2__add_email.sql"));
  EXPECT_EQ(doc["migrationsDeleted"], json::array());
  EXPECT_EQ(doc["repairActions"].size(), 2u) << r.out;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE NOT success"), "0");
}

TEST(ResultDocuments, BaselineAndClean) {
  TestDatabase db;
  TempDir dir;
  db.session().exec("CREATE TABLE legacy (id int)");
  RunResult baseline = run_strata(args("baseline", db, dir, {"-outputType=json", "--baseline-version", "1.0"}));
  ASSERT_EQ(baseline.exit_code, 0) << baseline.all();
  json doc = whole_document(baseline);
  EXPECT_EQ(doc["operation"], "baseline");
  EXPECT_EQ(doc["successfullyBaselined"], true);
  EXPECT_EQ(doc["baselineVersion"], "1.0");

  RunResult clean = run_strata(args("clean", db, dir, {"--log-format", "json", "--clean-disabled=false"}));
  ASSERT_EQ(clean.exit_code, 0) << clean.all();
  doc = last_line(clean);
  EXPECT_EQ(doc["operation"], "clean");
  EXPECT_EQ(doc["schemasCleaned"], json::array({"public"}));
  EXPECT_EQ(doc["schemasDropped"], json::array());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
}

// A migration's SQL error: where it is, which migration, SQLSTATE, and what ran before it.
TEST(ResultDocuments, SqlErrorNamesFileLineColumnAndMigration) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\nSELECT * FROM   missing_table;\n");
  RunResult r = run_strata({"migrate", "--url", db.url_with_password(), "--locations", dir.path().string(),
                            "--log-format", "json"},
                           {{"PGPASSWORD", ""}});
  ASSERT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(r.out.find(server().password), std::string::npos) << r.out;
  json doc = last_line(r);
  EXPECT_EQ(doc["operation"], "migrate");
  EXPECT_EQ(doc["success"], false);
  EXPECT_EQ(doc["migrationsExecuted"], 1);
  const json& e = doc["error"];
  EXPECT_EQ(e["errorCode"], "FAILED_VERSIONED_MIGRATION");
  EXPECT_EQ(e["sqlState"], "42P01");
  EXPECT_EQ(e["migration"], "V2__b.sql");
  EXPECT_NE(e["file"].get<std::string>().find("V2__b.sql"), std::string::npos) << e;
  EXPECT_EQ(e["line"], 2);
  EXPECT_EQ(e["column"], 17);
  EXPECT_TRUE(e["fix"].is_null());
  EXPECT_EQ(db.scalar("SELECT string_agg(version, ',') FROM flyway_schema_history"), "1");  // V2 rolled back
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'b'"), "0");
}

TEST(ResultDocuments, ValidationFailureCarriesTheFixCommand) {
  TestDatabase db;
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(apply_then_change_v2(db, dir));
  RunResult r = run_strata(args("migrate", db, dir, {"--log-format", "json"}));
  ASSERT_EQ(r.exit_code, 1) << r.all();
  const json e = last_line(r)["error"];
  EXPECT_EQ(e["errorCode"], "VALIDATE_ERROR");
  EXPECT_EQ(e["migration"], "V2__add_email.sql");
  const std::string fix = e["fix"].get<std::string>();
  EXPECT_EQ(fix.rfind("strata repair", 0), 0u) << fix;
  EXPECT_NE(fix.find("--locations " + dir.path().string()), std::string::npos) << fix;  // acts where this run did
}

TEST(ResultDocuments, ConfigurationErrorExitsTwo) {
  TestDatabase db;
  TempDir dir;
  // As the deployment sets it: the log format from the environment, the error in a setting.
  RunResult r = run_strata(args("migrate", db, dir, {"--lock-wait-timeout", "soon"}), {{"STRATA_LOG_FORMAT", "json"}});
  ASSERT_EQ(r.exit_code, 2) << r.all();
  EXPECT_EQ(last_line(r)["error"]["errorCode"], "CONFIGURATION") << r.out;

  RunResult usage = run_strata({"migrate", "--no-such-option"}, {{"STRATA_LOG_FORMAT", "json"}});
  ASSERT_EQ(usage.exit_code, 2) << usage.all();
  EXPECT_EQ(last_line(usage)["error"]["errorCode"], "CONFIGURATION") << usage.out;

  RunResult flyway = run_strata(args("repair", db, dir, {"-outputType=json", "--lock-wait-timeout", "soon"}));
  ASSERT_EQ(flyway.exit_code, 2) << flyway.all();
  EXPECT_EQ(whole_document(flyway)["error"]["errorCode"], "CONFIGURATION") << flyway.out;
}

TEST(ResultDocuments, ConnectErrorExitsThree) {
  TempDir dir;
  RunResult r = run_strata({"migrate", "--url", "postgresql://nobody@127.0.0.1:1/none", "--locations",
                            dir.path().string(), "--log-format", "json"});
  ASSERT_EQ(r.exit_code, 3) << r.all();
  json e = last_line(r)["error"];
  EXPECT_EQ(e["errorCode"], "DB_CONNECTION");
  EXPECT_TRUE(e["migration"].is_null());
}

}  // namespace
}  // namespace strata::test
