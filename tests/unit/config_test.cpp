// Settings: keys, precedence of the five layers, the YAML file and its environments, value
// checking, placeholders, and that errors point at the source without leaking the password.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/flyway_args.hpp"
#include "strata/log.hpp"

#include "capture.hpp"
#include "temp_dir.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

using test::Capture;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { in_.working_directory = dir_; }
  void TearDown() override { log::configure(log::Format::Text, log::Verbosity::Normal); }

  fs::path write(const std::string& name, const std::string& text) { return temp_.write(name, text); }

  Config load() { return load_config(in_); }

  // The ConfigError's message; fails the test when none is thrown.
  std::string error_of() {
    try {
      load();
    } catch (const ConfigError& e) {
      last_error_file_ = e.file;
      last_error_line_ = e.line;
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError";
    return {};
  }

  test::TempDir temp_{"strata-config"};
  const fs::path dir_ = temp_.path();
  ConfigInputs in_;
  std::string last_error_file_;
  int last_error_line_ = 0;
};

TEST(CanonicalKey, AllSpellingsMeetOnFlywaysName) {
  for (const char* k : {"lock-wait-timeout", "lockWaitTimeout", "lock_wait_timeout", "LOCK_WAIT_TIMEOUT",
                        "--lock-wait-timeout", "lockwaittimeout"})
    EXPECT_EQ(canonical_key(k), "lockWaitTimeout") << k;
  EXPECT_EQ(canonical_key("default-schema"), "defaultSchema");
  EXPECT_EQ(canonical_key("DEFAULT_SCHEMA"), "defaultSchema");
  EXPECT_EQ(canonical_key("output"), "outputType");
  EXPECT_EQ(canonical_key("output-type"), "outputType");
  EXPECT_EQ(canonical_key("config"), "configFiles");
  EXPECT_EQ(canonical_key("CONFIG_FILES"), "configFiles");
  EXPECT_EQ(canonical_key("connect_retries_interval"), "connectRetriesInterval");
  EXPECT_EQ(canonical_key("placeholders.MyName"), "placeholders.MyName");
  // A map's prefix matches in any case, jdbcProperties' mixed-case one included.
  EXPECT_EQ(canonical_key("jdbcProperties.sslmode"), "jdbcProperties.sslmode");
  EXPECT_EQ(canonical_key("JDBCPROPERTIES.sslmode"), "jdbcProperties.sslmode");
  // Flyway's PostgreSQL plugin setting, in every spelling a Flyway setup writes it.
  EXPECT_EQ(canonical_key("postgresql.transactional.lock"), "postgresql.transactional.lock");
  EXPECT_EQ(canonical_key("POSTGRESQL_TRANSACTIONAL_LOCK"), "postgresql.transactional.lock");
  EXPECT_EQ(canonical_key("placeholder-prefix"), "placeholderPrefix");
  EXPECT_EQ(canonical_key("lock-wait-timout"), "");
  EXPECT_EQ(canonical_key("protected"), "");
  EXPECT_EQ(canonical_key(""), "");
}

TEST_F(ConfigTest, Defaults) {
  Config c = load();
  EXPECT_EQ(c.table, "flyway_schema_history");
  EXPECT_EQ(c.locations, std::vector<std::string>{"migrations"});
  EXPECT_EQ(c.target, "latest");
  EXPECT_EQ(c.lock_wait_timeout, std::chrono::minutes(10));
  EXPECT_FALSE(c.out_of_order);
  EXPECT_TRUE(c.validate_on_migrate);
  EXPECT_EQ(c.log_format, log::Format::Text);
  EXPECT_EQ(c.verbosity, log::Verbosity::Normal);
  EXPECT_EQ(c.output, OutputFormat::Text);
  EXPECT_EQ(c.environment, "");
  EXPECT_FALSE(c.environment_protected);
  EXPECT_TRUE(c.schemas.empty());
  EXPECT_EQ(c.connection.connect_retries, 0);
  EXPECT_EQ(c.connection.connect_retries_interval, std::chrono::seconds(120));
}

TEST_F(ConfigTest, PrecedenceAcrossAllLayers) {
  write("strata.yaml", R"(
table: from_top
lockWaitTimeout: 1s
environment: dev
environments:
  dev:
    table: from_env_section
    lock_wait_timeout: 2s
)");
  in_.env = {{"FLYWAY_TABLE", "from_flyway"}, {"FLYWAY_LOCK_WAIT_TIMEOUT", "3s"},
             {"STRATA_TABLE", "from_strata"}, {"STRATA_LOCK_WAIT_TIMEOUT", "4s"}};
  in_.flags = {{"table", "from_flag"}, {"lock-wait-timeout", "5s"}};
  using std::chrono::seconds;

  Config c = load();
  EXPECT_EQ(c.table, "from_flag");
  EXPECT_EQ(c.lock_wait_timeout, seconds(5));
  EXPECT_EQ(c.settings.at("table"), "from_flag");

  in_.flags.clear();
  c = load();
  EXPECT_EQ(c.table, "from_strata");
  EXPECT_EQ(c.lock_wait_timeout, seconds(4));

  in_.env.erase("STRATA_TABLE");
  in_.env.erase("STRATA_LOCK_WAIT_TIMEOUT");
  c = load();
  EXPECT_EQ(c.table, "from_flyway");
  EXPECT_EQ(c.lock_wait_timeout, seconds(3));

  in_.env.clear();
  c = load();
  EXPECT_EQ(c.table, "from_env_section");
  EXPECT_EQ(c.lock_wait_timeout, seconds(2));
  EXPECT_EQ(c.environment, "dev");

  write("strata.yaml", "table: from_top\nlockWaitTimeout: 1s\nenvironments:\n  dev: {}\n");
  in_.flags = {{"environment", "dev"}};
  c = load();
  EXPECT_EQ(c.table, "from_top");
  EXPECT_EQ(c.lock_wait_timeout, seconds(1));

  fs::remove(dir_ / "strata.yaml");
  in_.flags.clear();
  c = load();
  EXPECT_EQ(c.table, "flyway_schema_history");
  EXPECT_EQ(c.lock_wait_timeout, std::chrono::minutes(10));
}

TEST_F(ConfigTest, UnknownFlagIsAnError) {
  in_.flags = {{"lock-wait-timout", "5s"}};
  EXPECT_NE(error_of().find("lock-wait-timout"), std::string::npos);
}

TEST_F(ConfigTest, UnknownYamlKeyNamesFileAndLine) {
  auto path = write("strata.yaml", "url: postgresql://h/db\n\nlockWaitTimout: 5s\n");
  std::string msg = error_of();
  EXPECT_NE(msg.find(path.string() + ":3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("lockWaitTimout"), std::string::npos) << msg;
  EXPECT_EQ(last_error_file_, path.string());
  EXPECT_EQ(last_error_line_, 3);
}

TEST_F(ConfigTest, UnknownYamlKeyInsideEnvironmentNamesItsLine) {
  write("strata.yaml", "environments:\n  dev:\n    table: t\n    tabel: t\n");
  std::string msg = error_of();
  EXPECT_NE(msg.find("strata.yaml:4"), std::string::npos) << msg;
}

TEST_F(ConfigTest, YamlSyntaxErrorNamesFileAndLine) {
  write("strata.yaml", "table: t\nschemas: [a, b\nlocations: x\n");
  std::string msg = error_of();
  EXPECT_NE(msg.find("strata.yaml:"), std::string::npos) << msg;
  EXPECT_GT(last_error_line_, 1);
}

TEST_F(ConfigTest, YamlKeySetTwiceIsAnError) {
  write("strata.yaml", "lockWaitTimeout: 1s\nlock_wait_timeout: 2s\n");
  std::string msg = error_of();
  EXPECT_NE(msg.find("strata.yaml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 1"), std::string::npos) << msg;
}

TEST_F(ConfigTest, YamlMergeKeysWork) {
  write("strata.yaml", R"(
x-common: &common
  table: shared_history
  placeholders:
    owner: ops
environments:
  dev:
    <<: *common
    target: "3"
)");
  in_.flags = {{"environment", "dev"}};
  Config c = load();
  EXPECT_EQ(c.table, "shared_history");
  EXPECT_EQ(c.target, "3");
  EXPECT_EQ(c.placeholders.at("owner"), "ops");

  write("strata.yaml", R"(
environments:
  dev: &dev
    table: shared_history
    target: "1"
  prod:
    <<: *dev
    target: "3"
)");
  in_.flags = {{"environment", "prod"}};
  c = load();
  EXPECT_EQ(c.table, "shared_history");
  EXPECT_EQ(c.target, "3");
}

TEST_F(ConfigTest, EnvironmentSelectionAndProtection) {
  write("strata.yaml", R"(
url: postgresql://localhost/app_dev
environments:
  dev:
    url: postgresql://localhost/app_dev
  staging:
    url: postgresql://staging.example/app
  prod:
    url: postgresql://prod.example/app
    protected: true
)");
  Config c = load();
  EXPECT_EQ(c.environment, "");
  EXPECT_FALSE(c.environment_protected);

  in_.env = {{"FLYWAY_ENVIRONMENT", "staging"}};
  c = load();
  EXPECT_EQ(c.environment, "staging");
  EXPECT_FALSE(c.environment_protected);
  EXPECT_NE(c.connection.display.find("staging.example"), std::string::npos);

  in_.env["STRATA_ENVIRONMENT"] = "prod";
  c = load();
  EXPECT_EQ(c.environment, "prod");
  EXPECT_TRUE(c.environment_protected);
  EXPECT_NE(c.connection.display.find("prod.example"), std::string::npos);

  in_.flags = {{"environment", "dev"}};
  c = load();
  EXPECT_EQ(c.environment, "dev");
  EXPECT_FALSE(c.environment_protected);
  EXPECT_EQ(c.settings.at("environment"), "dev");
}

TEST_F(ConfigTest, UnknownEnvironmentListsTheKnownOnes) {
  write("strata.yaml", "environments:\n  dev: {}\n  prod:\n    protected: true\n");
  in_.flags = {{"environment", "qa"}};
  std::string msg = error_of();
  EXPECT_NE(msg.find("'qa'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dev, prod"), std::string::npos) << msg;

  fs::remove(dir_ / "strata.yaml");
  EXPECT_NE(error_of().find("'qa'"), std::string::npos);
}

TEST_F(ConfigTest, ProtectedOnlyInsideAnEnvironment) {
  write("strata.yaml", "table: t\nprotected: true\n");
  std::string msg = error_of();
  EXPECT_NE(msg.find("strata.yaml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("protected"), std::string::npos) << msg;

  write("strata.yaml", "environments:\n  prod:\n    protected: yes\n");
  msg = error_of();
  EXPECT_NE(msg.find("strata.yaml:3"), std::string::npos) << msg;
}

TEST_F(ConfigTest, ConfigFileChoice) {
  write("strata.yaml", "table: default_file\n");
  write("other.yaml", "table: other_file\n");
  write("third.yaml", "table: third_file\n");
  EXPECT_EQ(load().table, "default_file");

  in_.env = {{"STRATA_CONFIG", "other.yaml"}};  // relative to the working directory
  EXPECT_EQ(load().table, "other_file");

  in_.flags = {{"config", (dir_ / "third.yaml").string()}};
  Config c = load();
  EXPECT_EQ(c.table, "third_file");
  EXPECT_EQ(c.settings.at("configFiles"), (dir_ / "third.yaml").string());

  in_.flags = {{"config", "missing.yaml"}};
  EXPECT_NE(error_of().find("missing.yaml"), std::string::npos);

  in_.flags.clear();
  in_.env = {{"STRATA_CONFIG", "missing.yaml"}};
  EXPECT_NE(error_of().find("missing.yaml"), std::string::npos);

  // FLYWAY_CONFIG_FILES adds files (of any of the three kinds) above ./strata.yaml.
  in_.env = {{"FLYWAY_CONFIG_FILES", (dir_ / "other.yaml").string()}};
  EXPECT_EQ(load().table, "other_file");
}

TEST_F(ConfigTest, NoConfigFileIsFine) { EXPECT_NO_THROW(load()); }

TEST_F(ConfigTest, BooleanValues) {
  in_.flags = {{"out-of-order", "TRUE"}, {"validate-on-migrate", "False"}};
  Config c = load();
  EXPECT_TRUE(c.out_of_order);
  EXPECT_FALSE(c.validate_on_migrate);
  EXPECT_EQ(c.settings.at("outOfOrder"), "true");

  in_.flags = {{"out-of-order", "yes"}};
  std::string msg = error_of();
  EXPECT_NE(msg.find("outOfOrder"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'yes'"), std::string::npos) << msg;

  in_.flags.clear();
  in_.env = {{"FLYWAY_BASELINE_ON_MIGRATE", "1"}};
  msg = error_of();
  EXPECT_NE(msg.find("FLYWAY_BASELINE_ON_MIGRATE"), std::string::npos) << msg;

  in_.env.clear();
  write("strata.yaml", "table: t\nvalidateOnMigrate: maybe\n");
  msg = error_of();
  EXPECT_NE(msg.find("strata.yaml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("validateOnMigrate"), std::string::npos) << msg;
}

TEST_F(ConfigTest, Durations) {
  using namespace std::chrono;
  auto timeout = [&](const std::string& v) {
    in_.flags = {{"lockWaitTimeout", v}};
    return load().lock_wait_timeout;
  };
  EXPECT_EQ(timeout("30"), seconds(30));
  EXPECT_EQ(timeout("45s"), seconds(45));
  EXPECT_EQ(timeout("500ms"), milliseconds(500));
  EXPECT_EQ(timeout("10m"), minutes(10));
  EXPECT_EQ(timeout("2h"), hours(2));
  EXPECT_EQ(timeout("0"), seconds(0));
  for (const char* bad : {"10x", "", "m", "-5", "1.5m", "10 m", "99999999999999h"}) {
    in_.flags = {{"lockWaitTimeout", bad}};
    std::string msg = error_of();
    EXPECT_NE(msg.find("lockWaitTimeout"), std::string::npos) << bad << ": " << msg;
  }
}

TEST_F(ConfigTest, Integers) {
  in_.env = {{"FLYWAY_CONNECT_RETRIES", "3"}, {"FLYWAY_CONNECT_RETRIES_INTERVAL", "15"}};
  Config c = load();
  EXPECT_EQ(c.connection.connect_retries, 3);
  EXPECT_EQ(c.connection.connect_retries_interval, std::chrono::seconds(15));

  in_.env = {{"FLYWAY_CONNECT_RETRIES", "three"}};
  EXPECT_NE(error_of().find("connectRetries"), std::string::npos);
  in_.env = {{"FLYWAY_CONNECT_RETRIES", "-1"}};
  EXPECT_NE(error_of().find("connectRetries"), std::string::npos);
  in_.env = {{"FLYWAY_LOCK_RETRY_COUNT", "-1"}};
  EXPECT_NO_THROW(load());
}

TEST_F(ConfigTest, ConnectTimeoutReachesLibpqUnlessTheUrlSetsIt) {
  in_.flags = {{"url", "postgresql://h/db"}, {"connect-timeout", "9"}};
  EXPECT_NE(load().connection.conninfo.find("connect_timeout=9"), std::string::npos);
  in_.flags = {{"url", "postgresql://h/db?connect_timeout=4"}, {"connect-timeout", "9"}};
  std::string ci = load().connection.conninfo;
  EXPECT_NE(ci.find("connect_timeout=4"), std::string::npos) << ci;
  EXPECT_EQ(ci.find("connect_timeout=9"), std::string::npos) << ci;
}

TEST_F(ConfigTest, FormatsAndVerbosity) {
  in_.flags = {{"log-format", "json"}, {"output", "table"}};
  Config c = load();
  EXPECT_EQ(c.log_format, log::Format::Json);
  EXPECT_EQ(c.output, OutputFormat::Text);
  EXPECT_EQ(c.settings.at("outputType"), "text");

  in_.flags = {{"outputType", "JSON"}, {"verbose", "true"}};
  c = load();
  EXPECT_EQ(c.output, OutputFormat::Json);
  EXPECT_EQ(c.verbosity, log::Verbosity::Verbose);

  in_.flags = {{"quiet", "true"}};
  EXPECT_EQ(load().verbosity, log::Verbosity::Quiet);

  in_.flags = {{"log-format", "xml"}};
  EXPECT_NE(error_of().find("logFormat"), std::string::npos);
  in_.flags = {{"output", "csv"}};
  EXPECT_NE(error_of().find("outputType"), std::string::npos);

  in_.flags = {{"quiet", "true"}};
  in_.env = {{"STRATA_VERBOSE", "true"}};
  std::string msg = error_of();
  EXPECT_NE(msg.find("quiet"), std::string::npos) << msg;
  EXPECT_NE(msg.find("verbose"), std::string::npos) << msg;
}

TEST_F(ConfigTest, Lists) {
  write("strata.yaml", "schemas:\n  - app\n  - audit\nlocations: db/migrations, db/seed\n");
  Config c = load();
  EXPECT_EQ(c.schemas, (std::vector<std::string>{"app", "audit"}));
  EXPECT_EQ(c.default_schema, "app");
  EXPECT_EQ(c.locations, (std::vector<std::string>{"db/migrations", "db/seed"}));
  EXPECT_EQ(c.settings.at("schemas"), "app,audit");

  in_.env = {{"FLYWAY_SCHEMAS", "x, y"}, {"FLYWAY_DEFAULT_SCHEMA", "y"}};
  c = load();
  EXPECT_EQ(c.schemas, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c.default_schema, "y");

  write("strata.yaml", "table:\n  - a\n  - b\n");
  EXPECT_NE(error_of().find("strata.yaml:2"), std::string::npos);
}

TEST_F(ConfigTest, PlaceholdersFromEverySource) {
  write("strata.yaml", R"(
placeholders:
  AppUser: yaml_top
  region: yaml_top
  tier: yaml_top
  owner: yaml_top
environments:
  dev:
    placeholders:
      region: yaml_env
)");
  in_.flags = {{"environment", "dev"}, {"placeholders.tier", "flag"}, {"placeholders.Mixed", "flag_case"}};
  in_.env = {{"FLYWAY_PLACEHOLDERS_OWNER", "flyway_env"}, {"STRATA_PLACEHOLDERS_TIER", "strata_env"},
             {"FLYWAY_PLACEHOLDERS_TIER", "flyway_env"}};
  Config c = load();
  // Flyway matches placeholder names case-insensitively, so every source lands on one lower-case
  // name and the usual precedence decides between them.
  EXPECT_EQ(c.placeholders.at("appuser"), "yaml_top");
  EXPECT_EQ(c.placeholders.count("AppUser"), 0u);
  EXPECT_EQ(c.placeholders.at("region"), "yaml_env");
  EXPECT_EQ(c.placeholders.at("owner"), "flyway_env");
  EXPECT_EQ(c.placeholders.count("OWNER"), 0u);
  EXPECT_EQ(c.placeholders.at("tier"), "flag");
  EXPECT_EQ(c.placeholders.at("mixed"), "flag_case");
  EXPECT_EQ(c.settings.at("placeholders.region"), "yaml_env");

  // "Owner" in the file and FLYWAY_PLACEHOLDERS_OWNER are one placeholder: the environment wins.
  write("strata.yaml", "placeholders:\n  Owner: from_file\n");
  in_.flags = {{"placeholders.TIER", "flag"}};
  c = load();
  EXPECT_EQ(c.placeholders.at("owner"), "flyway_env");
  EXPECT_EQ(c.placeholders.at("tier"), "flag");
  EXPECT_EQ(c.placeholders.size(), 2u);

  in_.flags.clear();
  EXPECT_EQ(load().placeholders.at("tier"), "strata_env");
}

TEST_F(ConfigTest, UnknownEnvironmentVariables) {
  in_.env = {{"FLYWAY_LICENSE_KEY", "x"}, {"FLYWAY_SOMETHING_NEW", "y"}, {"PATH", "/bin"}};
  Capture none(STDERR_FILENO);
  EXPECT_NO_THROW(load());
  EXPECT_EQ(none.finish(), "");

  in_.env = {{"STRATA_LOCK_WAIT_TIMOUT", "5s"}};
  Capture err(STDERR_FILENO);
  EXPECT_NO_THROW(load());
  std::string out = err.finish();
  EXPECT_NE(out.find("WARNING: "), std::string::npos) << out;
  EXPECT_NE(out.find("STRATA_LOCK_WAIT_TIMOUT"), std::string::npos) << out;
}

TEST_F(ConfigTest, SettingsWithoutEffectYetAreNamedInAWarning) {
  in_.env = {{"FLYWAY_BATCH", "true"},          {"FLYWAY_JDBC_PROPERTIES_SSLMODE", "require"},
             {"FLYWAY_MIXED", "true"},          {"FLYWAY_GROUP", "true"},
             {"FLYWAY_PLACEHOLDERS_OWNER", "x"}, {"FLYWAY_TABLE", "hist"},
             {"FLYWAY_BASELINE_ON_MIGRATE", "true"}};
  in_.flags = {{"-callbacks", "com.example.Callback"}};
  Capture err(STDERR_FILENO);
  Config c = load();
  std::string out = err.finish();
  EXPECT_EQ(c.table, "hist");
  EXPECT_TRUE(c.baseline_on_migrate);
  EXPECT_NE(out.find("'batch' (environment variable FLYWAY_BATCH)"), std::string::npos) << out;
  EXPECT_EQ(out.find("MIXED"), std::string::npos) << out;  // acted on since issue 15
  EXPECT_EQ(out.find("GROUP"), std::string::npos) << out;
  EXPECT_NE(out.find("'jdbcProperties.sslmode' (environment variable FLYWAY_JDBC_PROPERTIES_SSLMODE)"), std::string::npos) << out;
  EXPECT_NE(out.find("'callbacks' (option '-callbacks')"), std::string::npos) << out;
  EXPECT_EQ(out.find("table"), std::string::npos) << out;
  EXPECT_EQ(out.find("placeholders"), std::string::npos) << out;
  EXPECT_EQ(out.find("baseline"), std::string::npos) << out;
}

// Settings only Flyway's own machinery uses load without a word, so its configuration works as is.
TEST_F(ConfigTest, FlywayMachinerySettingsAreAcceptedQuietly) {
  in_.env = {{"FLYWAY_DRIVER", "org.postgresql.Driver"}, {"FLYWAY_LICENSE_KEY", "FL01"}, {"FLYWAY_JAR_DIRS", "jars"}};
  in_.flags = {{"-color", "always"}};
  Capture err(STDERR_FILENO);
  EXPECT_NO_THROW(load());
  EXPECT_EQ(err.finish(), "");
}

TEST_F(ConfigTest, ConnectionFromLayers) {
  write("strata.yaml", "url: jdbc:postgresql://db.example:5432/app?user=yaml_user\n");
  in_.env = {{"FLYWAY_USER", "env_user"}, {"FLYWAY_PASSWORD", "Env-Pw-1"}};
  Config c = load();
  EXPECT_NE(c.connection.conninfo.find("user=env_user"), std::string::npos) << c.connection.conninfo;
  EXPECT_NE(c.connection.conninfo.find("password=Env-Pw-1"), std::string::npos);
  EXPECT_EQ(c.connection.display, "postgresql://env_user@db.example:5432/app");
  EXPECT_EQ(log::redact("Env-Pw-1"), "***");
}

TEST_F(ConfigTest, ConfigErrorsNeverShowThePassword) {
  in_.env = {{"FLYWAY_URL", "postgresql://alice:Leak-Me-Not@db/app?bogus=1"}};
  std::string msg = error_of();
  EXPECT_EQ(msg.find("Leak-Me-Not"), std::string::npos) << msg;
  EXPECT_NE(msg.find("FLYWAY_URL"), std::string::npos) << msg;

  auto path = write("strata.yaml", "table: t\nurl: \"host=db password='Leak Me Not' oops\"\n");
  in_.env.clear();
  msg = error_of();
  EXPECT_EQ(msg.find("Leak Me Not"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path.string() + ":2"), std::string::npos) << msg;

  // A password set alongside a bad value elsewhere never shows up in that value's error.
  write("strata.yaml", "password: Leak-2\ntable: t\n");
  in_.flags = {{"installed-by", "x"}, {"out-of-order", "Leak-2"}};
  msg = error_of();
  EXPECT_EQ(msg.find("Leak-2"), std::string::npos) << msg;
}

// ---- Flyway's .conf and .toml files

TEST_F(ConfigTest, FlywayConfFileSitsBelowTheEnvironmentAndFlags) {
  auto conf = write("flyway.conf", R"(# from a Flyway project
flyway.url=jdbc:postgresql://db.example:5432/app
flyway.user=conf_user
flyway.password=Conf-Pw-9
flyway.table=conf_history
flyway.schemas=app,audit
flyway.lockWaitTimeout=7s
flyway.placeholders.Tenant=acme
flyway.locations=filesystem:db/a,\
    filesystem:db/b
other.tool.key=ignored
)");
  in_.flags = {{"-configFiles", "flyway.conf"}};
  Config c = load();
  EXPECT_EQ(c.connection.display, "postgresql://conf_user@db.example:5432/app");
  EXPECT_EQ(c.table, "conf_history");
  EXPECT_EQ(c.schemas, (std::vector<std::string>{"app", "audit"}));
  EXPECT_EQ(c.lock_wait_timeout, std::chrono::seconds(7));
  EXPECT_EQ(c.placeholders.at("tenant"), "acme");  // names are matched case-insensitively
  EXPECT_EQ(c.locations, (std::vector<std::string>{"filesystem:db/a", "filesystem:db/b"}));
  EXPECT_EQ(c.settings.at("configFiles"), conf.string());
  EXPECT_EQ(log::redact("pw Conf-Pw-9"), "pw ***");

  in_.env = {{"FLYWAY_TABLE", "flyway_env"}, {"FLYWAY_LOCK_WAIT_TIMEOUT", "8s"}};
  c = load();
  EXPECT_EQ(c.table, "flyway_env");
  in_.env["STRATA_TABLE"] = "strata_env";
  EXPECT_EQ(load().table, "strata_env");
  in_.flags["-table"] = "flag";
  c = load();
  EXPECT_EQ(c.table, "flag");
  EXPECT_EQ(c.lock_wait_timeout, std::chrono::seconds(8));
}

TEST_F(ConfigTest, FlywayConfErrorsNameFileAndLine) {
  auto conf = write("flyway.conf", "flyway.url=jdbc:postgresql://h/db\n\n# typo below\nflyway.urll=x\n");
  in_.flags = {{"-configFiles", conf.string()}};
  std::string msg = error_of();
  EXPECT_NE(msg.find(conf.string() + ":4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("flyway.urll"), std::string::npos) << msg;
  EXPECT_EQ(last_error_file_, conf.string());
  EXPECT_EQ(last_error_line_, 4);

  write("flyway.conf", "flyway.table=t\nflyway.outOfOrder=yes\n");
  msg = error_of();
  EXPECT_NE(msg.find("flyway.conf:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("outOfOrder"), std::string::npos) << msg;

  write("flyway.conf", "flyway.workingDirectory=/tmp\n");
  EXPECT_NE(error_of().find("command line"), std::string::npos);

  // A password in the file never shows in an error about another value.
  write("flyway.conf", "flyway.password=Conf-Leak-3\nflyway.connectRetries=Conf-Leak-3\n");
  msg = error_of();
  EXPECT_EQ(msg.find("Conf-Leak-3"), std::string::npos) << msg;
}

TEST_F(ConfigTest, FlywayConfPluginSettingsAreNamedInAWarning) {
  write("flyway.conf", "flyway.check.buildUrl=jdbc:postgresql://build/db\nflyway.configFiles=x.conf\nflyway.table=t\n"
                       "flyway.postgresql.transactional.lock=false\n");
  in_.flags = {{"-configFiles", "flyway.conf"}};
  Capture err(STDERR_FILENO);
  Config c = load();
  std::string out = err.finish();
  EXPECT_EQ(c.table, "t");
  EXPECT_NE(out.find("flyway.check.buildUrl"), std::string::npos) << out;
  EXPECT_NE(out.find("flyway.conf:1"), std::string::npos) << out;
  EXPECT_NE(out.find("flyway.configFiles"), std::string::npos) << out;
  // strata's lock is always the session lock that `false` asks Flyway for: nothing to warn about.
  EXPECT_EQ(out.find("transactional"), std::string::npos) << out;
  EXPECT_EQ(c.settings.at("postgresql.transactional.lock"), "false");
}

TEST_F(ConfigTest, FlywayConfExpandsEnvironmentVariables) {
  write("flyway.conf", "flyway.url=jdbc:postgresql://${DB_HOST}/app\nflyway.password=${DB_PASSWORD}\n");
  in_.flags = {{"-configFiles", "flyway.conf"}};
  in_.env = {{"DB_HOST", "db.internal"}, {"DB_PASSWORD", "Env-Expanded-7"}};
  Config c = load();
  EXPECT_NE(c.connection.display.find("@db.internal:5432/app"), std::string::npos) << c.connection.display;
  EXPECT_NE(c.connection.conninfo.find("Env-Expanded-7"), std::string::npos);
  EXPECT_EQ(log::redact("Env-Expanded-7"), "***");
}

TEST_F(ConfigTest, ConfigFilesListAndFlywayConfigFilesVariable) {
  write("a.conf", "flyway.table=a\nflyway.target=1\nflyway.schemas=a\n");
  write("b.conf", "flyway.table=b\nflyway.target=2\n");
  write("c.properties", "flyway.table=c\n");
  in_.flags = {{"-configFiles", "a.conf, b.conf"}};
  Config c = load();
  EXPECT_EQ(c.table, "b");  // later files override earlier ones
  EXPECT_EQ(c.target, "2");
  EXPECT_EQ(c.schemas, std::vector<std::string>{"a"});
  EXPECT_EQ(c.settings.at("configFiles"), (dir_ / "a.conf").string() + "," + (dir_ / "b.conf").string());

  // FLYWAY_CONFIG_FILES is read too, below the files named on the command line.
  in_.env = {{"FLYWAY_CONFIG_FILES", "c.properties,a.conf"}};
  in_.flags = {{"-configFiles", "b.conf"}};
  c = load();
  EXPECT_EQ(c.table, "b");
  EXPECT_EQ(c.schemas, std::vector<std::string>{"a"});
  in_.flags.clear();
  EXPECT_EQ(load().table, "a");

  in_.env = {{"FLYWAY_CONFIG_FILES", "a.conf,missing.conf"}};
  std::string msg = error_of();
  EXPECT_NE(msg.find("FLYWAY_CONFIG_FILES"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing.conf"), std::string::npos) << msg;

  in_.env.clear();
  in_.flags = {{"-configFiles", "a.conf"}, {"config", "strata.yaml"}};
  msg = error_of();
  EXPECT_NE(msg.find("configFiles"), std::string::npos) << msg;
}

TEST_F(ConfigTest, FileKindFollowsTheExtensionAndTheSpelling) {
  write("settings", "table: from_yaml\n");
  write("flyway.cfg", "flyway.table=from_conf\n");
  write("strata.yml", "table: from_yml\n");
  in_.flags = {{"config", "settings"}};  // strata's -c names a strata.yaml
  EXPECT_EQ(load().table, "from_yaml");
  in_.flags = {{"-configFiles", "flyway.cfg"}};  // Flyway reads any other name as a .conf file
  EXPECT_EQ(load().table, "from_conf");
  in_.flags = {{"config", "flyway.cfg"}};
  EXPECT_NE(error_of().find("flyway.cfg"), std::string::npos);
  in_.flags = {{"-configFiles", "strata.yml,flyway.cfg"}};
  EXPECT_EQ(load().table, "from_conf");
  in_.env = {{"STRATA_CONFIG", "settings"}};
  in_.flags.clear();
  EXPECT_EQ(load().table, "from_yaml");
}

TEST_F(ConfigTest, FlywayDefaultFiles) {
  fs::create_directories(dir_ / "install" / "conf");
  fs::create_directories(dir_ / "home");
  std::ofstream(dir_ / "install" / "conf" / "flyway.conf") << "flyway.table=install\nflyway.target=1\nflyway.schemas=i\n";
  std::ofstream(dir_ / "home" / "flyway.conf") << "flyway.table=home\nflyway.target=2\n";
  write("flyway.conf", "flyway.table=working_dir\n");
  in_.flyway_default_files = {dir_ / "install" / "conf" / "flyway.conf", dir_ / "home" / "flyway.conf", "flyway.conf",
                              dir_ / "nowhere" / "flyway.conf"};
  Config c = load();
  EXPECT_EQ(c.table, "working_dir");
  EXPECT_EQ(c.target, "2");
  EXPECT_EQ(c.schemas, std::vector<std::string>{"i"});

  // ./strata.yaml sits above them, and files named explicitly above that.
  write("strata.yaml", "table: yaml\n");
  EXPECT_EQ(load().table, "yaml");
  write("named.conf", "flyway.table=named\n");
  in_.flags = {{"-configFiles", "named.conf"}};
  c = load();
  EXPECT_EQ(c.table, "named");
  EXPECT_EQ(c.target, "2");  // the defaults are still read underneath, as Flyway does

  // None is read unless asked for: tests and embedders see no file from the machine.
  in_.flyway_default_files.clear();
  in_.flags.clear();
  fs::remove(dir_ / "strata.yaml");
  EXPECT_EQ(load().table, "flyway_schema_history");
}

TEST_F(ConfigTest, DefaultFlywayConfigFilesFollowFlywaysOrder) {
  auto files = default_flyway_config_files({{"HOME", "/home/u"}});
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.string());
  EXPECT_EQ(names, (std::vector<std::string>{"/flyway/conf/flyway.toml", "/flyway/conf/flyway.user.toml",
                                             "/flyway/conf/flyway.conf", "/home/u/flyway.toml",
                                             "/home/u/flyway.user.toml", "/home/u/flyway.conf", "flyway.toml",
                                             "flyway.user.toml", "flyway.conf"}));
  EXPECT_EQ(default_flyway_config_files({}).size(), 6u);
}

TEST_F(ConfigTest, FlywayToml) {
  write("flyway.toml", R"(id = "a1b2"
databaseType = "PostgreSql"

[environments.default]
url = "jdbc:postgresql://localhost/app_default"

[environments.prod]
url = "jdbc:postgresql://prod.example/app"
user = "deployer"
password = "${env.PROD_PASSWORD}"
schemas = ["app", "audit"]
displayName = "Production"

[environments.prod.flyway]
table = "prod_history"
placeholders.region = "eu"

[flyway]
locations = ["filesystem:sql"]
table = "toml_history"
cleanDisabled = false
placeholders.region = "us"

[flywayDesktop]
developmentEnvironment = "development"
)");
  in_.env = {{"PROD_PASSWORD", "Toml-Pw-4"}};
  in_.flags = {{"-configFiles", "flyway.toml"}};
  Config c = load();
  EXPECT_EQ(c.environment, "default");  // Flyway's default environment
  EXPECT_NE(c.connection.display.find("@localhost:5432/app_default"), std::string::npos) << c.connection.display;
  EXPECT_EQ(c.table, "toml_history");
  EXPECT_FALSE(c.clean_disabled);
  EXPECT_EQ(c.locations, std::vector<std::string>{"filesystem:sql"});
  EXPECT_EQ(c.placeholders.at("region"), "us");

  in_.flags["-environment"] = "prod";
  c = load();
  EXPECT_EQ(c.environment, "prod");
  EXPECT_EQ(c.connection.display, "postgresql://deployer@prod.example:5432/app");
  EXPECT_EQ(c.schemas, (std::vector<std::string>{"app", "audit"}));
  EXPECT_EQ(c.table, "prod_history");
  EXPECT_EQ(c.placeholders.at("region"), "eu");
  EXPECT_EQ(log::redact("Toml-Pw-4"), "***");

  in_.flags["-environment"] = "qa";
  std::string msg = error_of();
  EXPECT_NE(msg.find("default, prod"), std::string::npos) << msg;
}

TEST_F(ConfigTest, FlywayTomlErrorsAndWarnings) {
  auto toml = write("flyway.toml", "[flyway]\ntable = \"t\"\ntabel = \"t\"\n");
  in_.flags = {{"-configFiles", "flyway.toml"}};
  std::string msg = error_of();
  EXPECT_NE(msg.find(toml.string() + ":3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("flyway.tabel"), std::string::npos) << msg;

  write("flyway.toml", "[flyway]\ntable = [\"a\"\n");
  EXPECT_NE(error_of().find("flyway.toml:"), std::string::npos);

  // Flyway warns about unknown keys in an environment and carries on.
  write("flyway.toml", "[environments.dev]\nurl = \"jdbc:postgresql://h/db\"\nlocations = \"x\"\n[flyway]\nenvironment = \"dev\"\n");
  Capture err(STDERR_FILENO);
  Config c = load();
  std::string out = err.finish();
  EXPECT_EQ(c.environment, "dev");
  EXPECT_NE(out.find("environments.dev.locations"), std::string::npos) << out;
  EXPECT_NE(out.find("flyway.toml:3"), std::string::npos) << out;
}

TEST_F(ConfigTest, TomlAndConfAreNeverMixed) {
  write("a.toml", "[flyway]\ntable = \"toml\"\n");
  write("b.conf", "flyway.table=conf\n");
  in_.flags = {{"-configFiles", "a.toml,b.conf"}};
  std::string msg = error_of();
  EXPECT_NE(msg.find("TOML"), std::string::npos) << msg;

  // Among the default files, .toml ones win when any exists; named files decide otherwise.
  write("flyway.toml", "[flyway]\ntable = \"default_toml\"\n");
  write("flyway.conf", "flyway.table=default_conf\nflyway.target=9\n");
  in_.flyway_default_files = {"flyway.toml", "flyway.conf"};
  in_.flags.clear();
  Config c = load();
  EXPECT_EQ(c.table, "default_toml");
  EXPECT_EQ(c.target, "latest");
  in_.flags = {{"-configFiles", "b.conf"}};
  c = load();
  EXPECT_EQ(c.table, "conf");
  EXPECT_EQ(c.target, "9");
}

TEST_F(ConfigTest, WorkingDirectoryIsTheBaseForRelativePaths) {
  fs::create_directories(dir_ / "project" / "conf");
  std::ofstream(dir_ / "project" / "conf" / "app.conf") << "flyway.locations=filesystem:sql,/abs/dir,other\n";
  std::ofstream(dir_ / "project" / "flyway.conf") << "flyway.table=project_default\n";
  in_.flags = {{"-workingDirectory", "project"}, {"-configFiles", "conf/app.conf"}};
  Config c = load();
  EXPECT_EQ(c.locations, (std::vector<std::string>{"filesystem:" + (dir_ / "project" / "sql").string(), "/abs/dir",
                                                  (dir_ / "project" / "other").string()}));
  EXPECT_EQ(c.table, "project_default");

  in_.flags = {{"-workingDirectory", (dir_ / "project").string()}};
  EXPECT_EQ(load().locations, std::vector<std::string>{(dir_ / "project" / "migrations").string()});

  in_.flags = {{"-workingDirectory", "nowhere"}};
  EXPECT_NE(error_of().find("nowhere"), std::string::npos);

  // Only on the command line, as in Flyway.
  in_.flags.clear();
  in_.env = {{"FLYWAY_WORKING_DIRECTORY", "project"}};
  EXPECT_EQ(load().locations, std::vector<std::string>{"migrations"});
}

TEST_F(ConfigTest, FlywayEnvironmentVariables) {
  in_.env = {{"FLYWAY_PLACEHOLDERS_TENANT_NAME", "acme"}, {"FLYWAY_BASELINE_ON_MIGRATE", "true"},
             {"FLYWAY_BASELINE_VERSION", "3"}, {"FLYWAY_CLEAN_DISABLED", "false"}};
  Config c = load();
  EXPECT_EQ(c.placeholders.at("tenant_name"), "acme");  // Flyway lowercases the name
  EXPECT_TRUE(c.baseline_on_migrate);
  EXPECT_EQ(c.baseline_version, "3");
  EXPECT_FALSE(c.clean_disabled);
}

TEST_F(ConfigTest, ConfigFileEncodingOtherThanUtf8IsNamedInAWarning) {
  in_.flags = {{"-configFileEncoding", "UTF-8"}};
  {
    Capture err(STDERR_FILENO);
    load();
    EXPECT_EQ(err.finish(), "");
  }
  in_.flags = {{"-configFileEncoding", "ISO-8859-1"}};
  Capture err(STDERR_FILENO);
  load();
  std::string out = err.finish();
  EXPECT_NE(out.find("ISO-8859-1"), std::string::npos) << out;
}

// What main does with a Flyway command line: CLI11's values and split_flyway_args' settings
// share ConfigInputs::flags.
TEST_F(ConfigTest, FlywayArgumentsReachTheConfig) {
  SplitArgs split = split_flyway_args({"strata", "-url=jdbc:postgresql://h:5432/db", "-user=u", "-password=Arg-Pw-2",
                                       "-placeholders.Tenant=acme", "--baseline-on-migrate", "-outputType=json",
                                       "info"},
                                      {"url", "verbose", "quiet"});
  in_.flags.insert(split.settings.begin(), split.settings.end());
  Config c = load();
  EXPECT_EQ(c.connection.display, "postgresql://u@h:5432/db");
  EXPECT_EQ(c.placeholders.at("tenant"), "acme");
  EXPECT_TRUE(c.baseline_on_migrate);
  EXPECT_EQ(c.output, OutputFormat::Json);
  EXPECT_EQ(log::redact("Arg-Pw-2"), "***");

  in_.flags["url"] = "postgresql://other/db";  // --url as CLI11 hands it over
  std::string msg = error_of();
  EXPECT_NE(msg.find("option '-url'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("option 'url'"), std::string::npos) << msg;
}

// The documented sample must stay loadable in every environment it shows.
TEST_F(ConfigTest, ExampleFileLoads) {
  // From the source root CMake names: __FILE__ is relative under ccache's base_dir.
  const fs::path example = fs::path(STRATA_SOURCE_DIR) / "strata.example.yaml";
  ASSERT_TRUE(fs::exists(example)) << example;
  in_.flags = {{"config", fs::absolute(example).string()}};
  Config c = load();
  EXPECT_EQ(c.environment, "dev");
  EXPECT_EQ(c.schemas, std::vector<std::string>{"app"});
  EXPECT_EQ(c.placeholders.at("audit_retention_days"), "30");
  in_.flags["environment"] = "staging";
  c = load();
  EXPECT_FALSE(c.environment_protected);
  EXPECT_EQ(c.connection.connect_retries, 10);
  EXPECT_EQ(c.placeholders.at("audit_retention_days"), "90");
  in_.flags["environment"] = "prod";
  c = load();
  EXPECT_TRUE(c.environment_protected);
  EXPECT_EQ(c.lock_wait_timeout, std::chrono::minutes(30));
  EXPECT_EQ(c.connection.display, "postgresql://app_migrator@prod-db.internal:5432/app");
}

TEST(EnvironmentMap, SplitsAtTheFirstEquals) {
  char a[] = "A=1", b[] = "B=x=y", c[] = "EMPTY=", d[] = "NOEQUALS";
  char* envp[] = {a, b, c, d, nullptr};
  auto m = environment_map(envp);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at("A"), "1");
  EXPECT_EQ(m.at("B"), "x=y");
  EXPECT_EQ(m.at("EMPTY"), "");
  EXPECT_TRUE(environment_map(nullptr).empty());
}

}  // namespace
}  // namespace strata
