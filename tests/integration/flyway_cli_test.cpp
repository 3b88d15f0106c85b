// An existing Flyway invocation works with only the program name changed: -key=value arguments
// on either side of the command, flyway.conf and flyway.toml files, FLYWAY_CONFIG_FILES.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "harness.hpp"

namespace strata::test {
namespace {

std::string jdbc_url(const TestDatabase& db) {
  return "jdbc:postgresql://127.0.0.1:" + server().port + "/" + db.name();
}

// Without PGPASSWORD, so the password can only come from where the test puts it; HOME points at
// an empty directory so that no ~/flyway.conf of the machine's joins in.
std::map<std::string, std::string> hermetic(const TempDir& home) {
  return {{"PGPASSWORD", ""}, {"HOME", home.path().string()}};
}

void write_migrations(const TempDir& dir, const std::string& sub = "sql") {
  dir.write(sub + "/V1__create.sql", "CREATE TABLE flyway_cli (id int);\n");
  dir.write(sub + "/V2__insert.sql", "INSERT INTO flyway_cli VALUES (1), (2);\n");
}

TEST(FlywayCli, FlywayStyleArgumentsMigrate) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  RunResult r = run_strata({"-url=" + jdbc_url(db), "-user=" + server().user, "-password=" + server().password,
                            "-locations=filesystem:" + (dir.path() / "sql").string(), "-schemas=public",
                            "-placeholders.tenant=acme", "-X", "-n", "migrate"},
                           hermetic(dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("Successfully applied 2 migrations"), std::string::npos) << r.out;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_cli"), "2");
  EXPECT_EQ(db.scalar("SELECT string_agg(script, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "V1__create.sql,V2__insert.sql");
  EXPECT_EQ(r.all().find(server().password), std::string::npos) << r.all();
}

TEST(FlywayCli, CommandFirstAndOutputTypeJson) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  const std::string locations = "-locations=filesystem:" + (dir.path() / "sql").string();
  RunResult m = run_strata({"migrate", "-url=" + jdbc_url(db), "-user=" + server().user,
                            "-password=" + server().password, locations, "-q"},
                           hermetic(dir));
  ASSERT_EQ(m.exit_code, 0) << m.all();
  EXPECT_EQ(m.out, "") << m.out;  // -q

  RunResult i = run_strata({"info", "-url=" + jdbc_url(db), "-user=" + server().user,
                            "-password=" + server().password, locations, "-outputType=json"},
                           hermetic(dir));
  ASSERT_EQ(i.exit_code, 0) << i.all();
  nlohmann::json doc = nlohmann::json::parse(i.out);
  ASSERT_TRUE(doc.contains("migrations")) << i.out;
  EXPECT_EQ(doc["migrations"].size(), 2u) << i.out;
}

TEST(FlywayCli, PluginAndJdbcSettingsOfAFlywayCommandLineLoad) {
  // -postgresql.transactional.lock=false is how Flyway setups avoid Flyway's CREATE INDEX
  // CONCURRENTLY deadlock; strata's lock is already a session lock, so it simply loads.
  // jdbcProperties.* change the JDBC driver strata does not have: a warning, not a failure.
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  RunResult r = run_strata({"-url=" + jdbc_url(db), "-user=" + server().user, "-password=" + server().password,
                            "-locations=filesystem:" + (dir.path() / "sql").string(),
                            "-postgresql.transactional.lock=false", "-jdbcProperties.ssl=false", "migrate"},
                           hermetic(dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_cli"), "2");
  EXPECT_NE(r.err.find("'jdbcProperties.ssl'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("transactional"), std::string::npos) << r.err;
}

TEST(FlywayCli, StrataAndFlywayFormsMix) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  RunResult r = run_strata({"--url", db.url(), "-locations=filesystem:" + (dir.path() / "sql").string(),
                            "--baseline-on-migrate=false", "migrate", "-target=1"},
                           {{"HOME", dir.path().string()}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT max(version) FROM flyway_schema_history"), "1");
}

TEST(FlywayCli, ConfFileFromConfigFiles) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  dir.write("conf/flyway.conf", "# a Flyway 9 project file\n"
                                "flyway.url=" + jdbc_url(db) + "\n"
                                "flyway.user=" + server().user + "\n"
                                "flyway.password=" + server().password + "\n"
                                "flyway.locations=filesystem:" + (dir.path() / "sql").string() + "\n"
                                "flyway.driver=org.postgresql.Driver\n"
                                "flyway.table=conf_history\n");
  RunResult r = run_strata({"-configFiles=" + (dir.path() / "conf" / "flyway.conf").string(), "migrate"},
                           hermetic(dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM conf_history"), "2");
  EXPECT_EQ(r.all().find(server().password), std::string::npos) << r.all();
}

TEST(FlywayCli, FlywayConfigFilesVariable) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  dir.write("a.conf", "flyway.url=" + jdbc_url(db) + "\nflyway.user=" + server().user + "\nflyway.table=a_history\n");
  dir.write("b.conf", "flyway.table=b_history\nflyway.locations=filesystem:" + (dir.path() / "sql").string() + "\n");
  auto env = hermetic(dir);
  env["FLYWAY_CONFIG_FILES"] = (dir.path() / "a.conf").string() + "," + (dir.path() / "b.conf").string();
  env["FLYWAY_PASSWORD"] = server().password;
  RunResult r = run_strata({"migrate"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM b_history"), "2");
}

TEST(FlywayCli, WorkingDirectoryWithItsFlywayConf) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir, "project/sql");
  dir.write("project/flyway.conf", "flyway.url=" + jdbc_url(db) + "\nflyway.user=" + server().user +
                                       "\nflyway.locations=filesystem:sql\n");
  auto env = hermetic(dir);
  env["FLYWAY_PASSWORD"] = server().password;
  RunResult r = run_strata({"-workingDirectory=" + (dir.path() / "project").string(), "migrate"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_cli"), "2");
}

TEST(FlywayCli, TomlFile) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  dir.write("flyway.toml", "[environments.default]\n"
                           "url = \"" + jdbc_url(db) + "\"\n"
                           "user = \"" + server().user + "\"\n"
                           "password = \"${env.DB_PASSWORD}\"\n"
                           "\n[flyway]\n"
                           "locations = [\"filesystem:" + (dir.path() / "sql").string() + "\"]\n");
  auto env = hermetic(dir);
  env["DB_PASSWORD"] = server().password;
  RunResult r = run_strata({"migrate", "-configFiles=" + (dir.path() / "flyway.toml").string()}, env);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_cli"), "2");
}

TEST(FlywayCli, UnknownArgumentExitsTwoBeforeTouchingTheDatabase) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  RunResult r = run_strata({"-url=" + jdbc_url(db), "-user=" + server().user, "-urll=typo",
                            "-locations=filesystem:" + (dir.path() / "sql").string(), "migrate"},
                           {{"HOME", dir.path().string()}});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("-urll"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("typo"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('flyway_schema_history') IS NULL"), "t");

  r = run_strata({"-cleanDisabled", "migrate"}, {{"HOME", dir.path().string()}});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("-cleanDisabled=VALUE"), std::string::npos) << r.err;
}

TEST(FlywayCli, UnknownConfKeyNamesFileAndLine) {
  TempDir dir;
  auto conf = dir.write("flyway.conf", "flyway.url=jdbc:postgresql://127.0.0.1:1/x\nflyway.passwrd=Conf-Pw-5\n");
  RunResult r = run_strata({"-configFiles=" + conf.string(), "migrate"}, hermetic(dir));
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find(conf.string() + ":2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("flyway.passwrd"), std::string::npos) << r.err;
}

TEST(FlywayCli, WrongPasswordFromConfNeverShows) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  auto conf = dir.write("flyway.conf", "flyway.url=" + jdbc_url(db) + "\nflyway.user=" + server().user +
                                           "\nflyway.password=Wr0ng-Conf-Pw\nflyway.locations=filesystem:" +
                                           (dir.path() / "sql").string() + "\n");
  RunResult r = run_strata({"-configFiles=" + conf.string(), "-X", "migrate"}, hermetic(dir));
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_EQ(r.all().find("Wr0ng-Conf-Pw"), std::string::npos) << r.all();
}

TEST(FlywayCli, HelpShowsStrataFormsFirstThenFlywayForms) {
  RunResult r = run_strata({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  const std::size_t own = r.out.find("--url");
  const std::size_t flyway = r.out.find("-configFiles=");
  ASSERT_NE(own, std::string::npos) << r.out;
  ASSERT_NE(flyway, std::string::npos) << r.out;
  EXPECT_LT(own, flyway);
}

}  // namespace
}  // namespace strata::test
