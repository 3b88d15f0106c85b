// A history table that Flyway 10 wrote, row for row, is read, reported and extended.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "harness.hpp"
#include "strata/checksum.hpp"

namespace strata::test {
namespace {

// Flyway's PostgreSQL DDL and rows as Flyway 10 leaves them after: creating schema "app",
// V1, V1.1, the repeatable applied twice (its file changed once), and nothing failed.
void write_flyway_history(TestDatabase& db, const TempDir& dir) {
  auto sum = [&](const std::string& f) { return std::to_string(flyway_checksum(read_file(dir.path() / f))); };
  db.session().exec("CREATE SCHEMA app");
  db.create_flyway_history("app");
  db.session().exec("CREATE TABLE app.users (id int)");
  db.session().exec("CREATE INDEX users_id ON app.users (id)");
  db.insert_flyway_row("app", {"0", std::nullopt, "<< Flyway Schema Creation >>", "SCHEMA", "\"app\"", std::nullopt, "deployer",
                    "2024-03-01 10:15:40.101", "0", "true"});
  db.insert_flyway_row("app", {"1", "1", "create users", "SQL", "V1__create_users.sql", sum("V1__create_users.sql"), "deployer",
                    "2024-03-01 10:15:41.512", "14", "true"});
  db.insert_flyway_row("app", {"2", "1.1", "users index", "SQL", "V1_1__users_index.sql", sum("V1_1__users_index.sql"),
                    "deployer", "2024-03-01 10:15:41.601", "6", "true"});
  db.insert_flyway_row("app", {"3", std::nullopt, "user view", "SQL", "R__user_view.sql", "-1130238371", "deployer",
                    "2024-03-01 10:15:41.700", "3", "true"});
  db.insert_flyway_row("app", {"4", std::nullopt, "user view", "SQL", "R__user_view.sql", sum("R__user_view.sql"), "deployer",
                    "2024-03-05 08:00:00.000", "4", "true"});
  db.session().exec("CREATE VIEW app.user_view AS SELECT id FROM app.users");
}

void write_files(const TempDir& dir) {
  dir.write("V1__create_users.sql", "CREATE TABLE users (id int);\r\n");
  dir.write("V1_1__users_index.sql", "CREATE INDEX users_id ON users (id);\n");
  dir.write("R__user_view.sql", "CREATE OR REPLACE VIEW user_view AS SELECT id FROM users;\n");
}

TEST(FlywayHistory, PrefilledTableIsReadAndExtended) {
  TestDatabase db;
  TempDir dir;
  write_files(dir);
  write_flyway_history(db, dir);

  RunResult noop = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app"});
  ASSERT_EQ(noop.exit_code, 0) << noop.all();
  EXPECT_NE(noop.out.find("Schema \"app\" is up to date"), std::string::npos) << noop.out;

  dir.write("V2__add_email.sql", "ALTER TABLE users ADD COLUMN email text;\n");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("Successfully applied 1 migration to schema \"app\", now at version v2"), std::string::npos)
      << r.out;
  Rows last = db.query(
      "SELECT installed_rank, version, description, type, script, success FROM app.flyway_schema_history "
      "ORDER BY installed_rank DESC LIMIT 1");
  EXPECT_EQ(last[0], (Row{"5", "2", "add email", "SQL", "V2__add_email.sql", "t"}));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'app' AND column_name = 'email'"),
            "1");
}

TEST(FlywayHistory, InfoJsonReportsFlywayStates) {
  TestDatabase db;
  TempDir dir;
  write_files(dir);
  write_flyway_history(db, dir);
  dir.write("V2__add_email.sql", "ALTER TABLE users ADD COLUMN email text;\n");

  RunResult r = run_strata(
      {"info", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  nlohmann::json doc = nlohmann::json::parse(r.out);
  for (const char* key : {"schemaVersion", "schemaName", "database", "flywayVersion", "allSchemasEmpty", "operation",
                          "timestamp", "migrations"}) {
    EXPECT_TRUE(doc.contains(key)) << key << " in " << r.out;
  }
  EXPECT_EQ(doc["operation"], "info");
  EXPECT_EQ(doc["schemaVersion"], "1.1");
  EXPECT_EQ(doc["schemaName"], "app");
  EXPECT_EQ(doc["database"], db.name());
  EXPECT_EQ(doc["allSchemasEmpty"], false);

  std::map<std::string, std::string> state_by_key;
  for (const auto& m : doc["migrations"]) {
    for (const char* key : {"category", "version", "description", "type", "installedOnUTC", "state", "undoable",
                            "filepath", "undoFilepath", "installedBy", "executionTime"}) {
      EXPECT_TRUE(m.contains(key)) << key << " in " << m.dump();
    }
    state_by_key[m["version"].get<std::string>() + "|" + m["description"].get<std::string>()] =
        m["state"].get<std::string>();
  }
  EXPECT_EQ(state_by_key["1|create users"], "Success");
  EXPECT_EQ(state_by_key["1.1|users index"], "Success");
  EXPECT_EQ(state_by_key["2|add email"], "Pending");
  EXPECT_EQ(state_by_key["|user view"], "Success");
}

TEST(FlywayHistory, InfoJsonIsOneLineUnderJsonLogs) {
  TestDatabase db;
  TempDir dir;
  write_files(dir);
  write_flyway_history(db, dir);
  RunResult r = run_strata({"info", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app",
                            "--output", "json", "--log-format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  std::istringstream lines(r.out);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("migrations")) found = true;
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(FlywayHistory, InfoTableShowsStates) {
  TestDatabase db;
  TempDir dir;
  write_files(dir);
  write_flyway_history(db, dir);
  dir.write("R__user_view.sql", "CREATE OR REPLACE VIEW user_view AS SELECT id, 1 AS one FROM users;\n");
  RunResult r = run_strata({"info", "--url", db.url(), "--locations", dir.path().string(), "--schemas", "app"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("Outdated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Superseded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("create users"), std::string::npos) << r.out;
}

TEST(FlywayHistory, ATableOfAnotherShapeIsAClearErrorAndIsLeftAlone) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  // Flyway 3's layout: version_rank instead of installed_rank.
  db.session().exec("CREATE TABLE flyway_schema_history (version_rank int, version varchar(50), success boolean)");
  RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("cannot read the schema history \"public\".\"flyway_schema_history\""), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("installed_rank"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('a') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "0");
}

}  // namespace
}  // namespace strata::test
