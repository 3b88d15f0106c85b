// The settings sources, each yielding a layer whose values carry their source: defaults,
// strata.yaml, flyway.toml (toml++), the environment, the command line; and how values and
// sources are shown.
#include <gtest/gtest.h>

#include <filesystem>

#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/settings.hpp"
#include "temp_dir.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

class SettingsFileTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& text) { return temp_.write(name, text); }
  test::TempDir temp_{"strata-settings"};
  const fs::path dir_ = temp_.path();
};

TEST(DefaultSettings, AreValidAndAreWhatConfigStartsWith) {
  const Layer defaults = default_settings();
  ASSERT_FALSE(defaults.empty());
  for (auto [key, s] : defaults) {
    EXPECT_EQ(s.source.kind, SourceKind::Default) << key;
    EXPECT_NO_THROW(normalize_setting(key, s)) << key;
  }
  EXPECT_EQ(defaults.at("lockWaitTimeout").value, "10m");
  EXPECT_EQ(defaults.at("table").value, Config{}.table);
  EXPECT_EQ(defaults.at("baselineDescription").value, "<< Flyway Baseline >>");
  EXPECT_EQ(defaults.count("url"), 0u);  // none: libpq's PG* variables decide
}

TEST(EnvironmentLayer, StrataAndFlywayVariablesAreSeparateLayersNamingTheVariable) {
  EnvironmentLayers env = read_environment({{"FLYWAY_URL", "u"}, {"STRATA_LOCK_WAIT_TIMEOUT", "5s"},
                                            {"FLYWAY_PLACEHOLDERS_OWNER", "o"}, {"STRATA_TYPO", "x"}, {"HOME", "/h"}});
  EXPECT_EQ(env.flyway.at("url").source.kind, SourceKind::FlywayEnvironment);
  EXPECT_EQ(env.flyway.at("placeholders.owner").value, "o");
  EXPECT_EQ(env.strata.at("lockWaitTimeout").source.kind, SourceKind::StrataEnvironment);
  EXPECT_EQ(describe(env.strata.at("lockWaitTimeout").source), "environment variable STRATA_LOCK_WAIT_TIMEOUT");
  EXPECT_EQ(env.warnings, (std::vector<std::string>{"ignoring unknown environment variable STRATA_TYPO"}));
}

TEST(CommandLineLayer, BothFormsMeetOnOneKeyAndNameTheArgument) {
  Layer flags = read_command_line({{"lock-wait-timeout", "1m"}, {"-url", "u"}});
  EXPECT_EQ(flags.at("lockWaitTimeout").source.kind, SourceKind::CommandLine);
  EXPECT_EQ(describe(flags.at("lockWaitTimeout").source), "command line: --lock-wait-timeout");
  EXPECT_EQ(describe(flags.at("url").source), "command line: -url");
  EXPECT_THROW(read_command_line({{"table", "a"}, {"-table", "b"}}), ConfigError);
}

TEST(MaskedValue, HidesPasswordsUrlPasswordsPlaceholdersAndJdbcProperties) {
  EXPECT_EQ(masked_value("password", "s3cret"), "***");
  EXPECT_EQ(masked_value("url", "postgresql://app:s3cret@h/db"), "postgresql://app:***@h/db");
  EXPECT_EQ(masked_value("placeholders.owner", "alice"), "***");
  EXPECT_EQ(masked_value("jdbcProperties.sslpassword", "k"), "***");
  EXPECT_EQ(masked_value("table", "history"), "history");
  EXPECT_EQ(masked_value("password", ""), "");
}

TEST_F(SettingsFileTest, YamlValuesKnowTheirLineAndEnvironment) {
  ConfigFile file = read_yaml_file(write("strata.yaml", "table: t\nenvironments:\n  prod:\n    table: p\n"));
  EXPECT_EQ(file.top.at("table").source.line, 1);
  EXPECT_EQ(file.top.at("table").source.section, "");
  EXPECT_EQ(file.environments.at("prod").at("table").source.line, 4);
  EXPECT_EQ(describe(file.environments.at("prod").at("table").source),
            (dir_ / "strata.yaml").string() + ": environments.prod, line 4");
  // Inside the working directory, as the user would type it; outside it, as it was found.
  EXPECT_EQ(describe(file.top.at("table").source, dir_), "strata.yaml: line 1");
  EXPECT_EQ(describe(file.top.at("table").source, dir_ / "elsewhere"), (dir_ / "strata.yaml").string() + ": line 1");
}

TEST_F(SettingsFileTest, TomlArraysInlineTablesDottedKeysAndEnvironments) {
  std::vector<std::string> warnings;
  ConfigFile file = read_flyway_toml(write("flyway.toml", R"([environments.dev]
url = "jdbc:postgresql://h/dev"
schemas = ["app", "audit"]
flyway = { locations = ["filesystem:a", "filesystem:b"], placeholders.tenant = "acme" }

[flyway]
environment = "dev"
placeholders.region = "eu"
jdbcProperties = { ssl = true }
mixed = false
)"),
                                     {}, warnings);
  EXPECT_TRUE(file.toml);
  EXPECT_EQ(file.top.at("environment").value, "dev");
  EXPECT_EQ(file.top.at("placeholders.region").value, "eu");
  EXPECT_EQ(file.top.at("jdbcProperties.ssl").value, "true");
  const Layer& dev = file.environments.at("dev");
  EXPECT_EQ(dev.at("schemas").value, "app,audit");
  EXPECT_EQ(dev.at("locations").value, "filesystem:a,filesystem:b");
  EXPECT_EQ(dev.at("placeholders.tenant").value, "acme");
  EXPECT_EQ(dev.at("url").source.line, 2);
  EXPECT_EQ(dev.at("url").source.section, "environments.dev");
  EXPECT_EQ(dev.at("locations").source.line, 4);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(SettingsFileTest, TomlErrorsNameFileLineAndColumn) {
  std::vector<std::string> warnings;
  const fs::path path = write("flyway.toml", "[flyway]\nlocations = [\"a\", [\"b\"]]\n");
  try {
    read_flyway_toml(path, {}, warnings);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file, path.string());
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 19);
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":2:19: nested arrays", 0), 0u) << e.what();
  }
  try {
    read_flyway_toml(write("bad.toml", "[flyway]\ntable = 'a'\n  url = \n"), {}, warnings);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line, 3);
    EXPECT_GT(e.column, 0);
    EXPECT_NE(std::string(e.what()).find("bad.toml:3:"), std::string::npos) << e.what();
  }
}

TEST_F(SettingsFileTest, TomlUnknownFlywayKeyFailsAtItsLine) {
  std::vector<std::string> warnings;
  try {
    read_flyway_toml(write("flyway.toml", "[flyway]\n\ntabel = 't'\n"), {}, warnings);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line, 3);
    EXPECT_NE(std::string(e.what()).find("unknown setting 'flyway.tabel'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata
