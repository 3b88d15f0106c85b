// merge_settings: the precedence of the layers, the chosen environment, and that every merged
// value remembers the layer it came from.
#include <gtest/gtest.h>
#include <unistd.h>

#include "capture.hpp"
#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

Setting from(SourceKind kind, std::string value, std::string origin, int line = 0, std::string section = {}) {
  SettingSource source{kind, origin, line > 0 ? "strata.yaml" : "", line, std::move(section), origin};
  return Setting{std::move(value), std::move(source)};
}

Layers five_layers() {
  Layers layers;
  layers.defaults = default_settings();
  ConfigFile file;
  file.path = "strata.yaml";
  file.top["table"] = from(SourceKind::ConfigFile, "file_top", "strata.yaml:1", 1);
  file.top["target"] = from(SourceKind::ConfigFile, "5", "strata.yaml:2", 2);
  file.top["installedBy"] = from(SourceKind::ConfigFile, "file", "strata.yaml:3", 3);
  file.environments["prod"]["table"] = from(SourceKind::ConfigFile, "file_env", "strata.yaml:6", 6, "environments.prod");
  file.environments["prod"]["schemas"] = from(SourceKind::ConfigFile, "app", "strata.yaml:7", 7, "environments.prod");
  layers.files.push_back(file);
  layers.flyway_env["schemas"] = from(SourceKind::FlywayEnvironment, "flyway_env", "environment variable FLYWAY_SCHEMAS");
  layers.flyway_env["user"] = from(SourceKind::FlywayEnvironment, "flyway_user", "environment variable FLYWAY_USER");
  layers.strata_env["user"] = from(SourceKind::StrataEnvironment, "strata_user", "environment variable STRATA_USER");
  layers.strata_env["target"] = from(SourceKind::StrataEnvironment, "7", "environment variable STRATA_TARGET");
  layers.flags["target"] = from(SourceKind::CommandLine, "9", "option '-target'");
  layers.flags["environment"] = from(SourceKind::CommandLine, "prod", "option 'environment'");
  return layers;
}

TEST(MergeSettings, EachLayerOverridesTheOnesBelowIt) {
  const MergedSettings merged = merge_settings(five_layers());
  EXPECT_EQ(merged.settings.at("target").value, "9");               // flags over STRATA_ and the file
  EXPECT_EQ(merged.settings.at("user").value, "strata_user");       // STRATA_ over FLYWAY_
  EXPECT_EQ(merged.settings.at("schemas").value, "flyway_env");     // FLYWAY_ over the environment's
  EXPECT_EQ(merged.settings.at("table").value, "file_env");         // the environment over the top level
  EXPECT_EQ(merged.settings.at("installedBy").value, "file");       // the top level over defaults
  EXPECT_EQ(merged.settings.at("locations").value, "migrations");   // defaults where nothing else says
  EXPECT_EQ(merged.environment, "prod");
}

TEST(MergeSettings, EachValueKnowsItsSource) {
  const MergedSettings merged = merge_settings(five_layers());
  const auto& s = merged.settings;
  EXPECT_EQ(s.at("target").source.kind, SourceKind::CommandLine);
  EXPECT_EQ(s.at("user").source.kind, SourceKind::StrataEnvironment);
  EXPECT_EQ(s.at("schemas").source.kind, SourceKind::FlywayEnvironment);
  EXPECT_EQ(s.at("table").source.kind, SourceKind::ConfigFile);
  EXPECT_EQ(s.at("table").source.line, 6);
  EXPECT_EQ(s.at("table").source.section, "environments.prod");
  EXPECT_EQ(s.at("installedBy").source.line, 3);
  EXPECT_EQ(s.at("installedBy").source.section, "");
  EXPECT_EQ(s.at("locations").source.kind, SourceKind::Default);
  EXPECT_EQ(s.at("environment").source.kind, SourceKind::CommandLine);
  EXPECT_EQ(s.at("configFiles").value, "strata.yaml");
  EXPECT_EQ(describe(s.at("table").source), "strata.yaml: environments.prod, line 6");
  EXPECT_EQ(describe(s.at("installedBy").source), "strata.yaml: line 3");
}

TEST(MergeSettings, WithoutAChosenEnvironmentItsValuesDoNotApply) {
  Layers layers = five_layers();
  layers.flags.erase("environment");
  const MergedSettings merged = merge_settings(layers);
  EXPECT_EQ(merged.settings.at("table").value, "file_top");
  EXPECT_EQ(merged.environment, "");
  EXPECT_EQ(merged.settings.count("environment"), 0u);
}

TEST(MergeSettings, UnknownEnvironmentNamesTheKnownOnes) {
  Layers layers = five_layers();
  layers.flags["environment"].value = "staging";
  try {
    merge_settings(layers);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown environment 'staging' (known: prod)"), std::string::npos) << e.what();
  }
}

TEST(MergeSettings, TomlDefaultEnvironmentAppliesWhenNoneIsChosen) {
  Layers layers;
  ConfigFile file;
  file.path = "flyway.toml";
  file.toml = true;
  file.environments["default"]["url"] = from(SourceKind::ConfigFile, "postgresql://h/db", "flyway.toml:2", 2);
  layers.files.push_back(file);
  const MergedSettings merged = merge_settings(layers);
  EXPECT_EQ(merged.environment, "default");
  EXPECT_EQ(merged.settings.at("url").value, "postgresql://h/db");
}

TEST(MergeSettings, PlaceholderNamesMeetWhateverTheirCase) {
  Layers layers;
  ConfigFile file;
  file.path = "strata.yaml";
  file.top["placeholders.Owner"] = from(SourceKind::ConfigFile, "file", "strata.yaml:1", 1);
  layers.files.push_back(file);
  layers.flyway_env["placeholders.owner"] = from(SourceKind::FlywayEnvironment, "env", "environment variable X");
  const MergedSettings merged = merge_settings(layers);
  EXPECT_EQ(merged.settings.count("placeholders.Owner"), 0u);
  EXPECT_EQ(merged.settings.at("placeholders.owner").value, "env");
}

TEST(WarnNotActedOn, NamesEachSettingStrataDoesNotActOnWithItsSource) {
  Layer settings = default_settings();
  settings["batch"] = from(SourceKind::CommandLine, "true", "option '-batch'");
  settings["mixed"] = from(SourceKind::CommandLine, "true", "option '-mixed'");  // acted on: no warning
  settings["jdbcProperties.ssl"] = from(SourceKind::FlywayEnvironment, "true", "environment variable FLYWAY_JDBC_PROPERTIES_SSL");
  settings["driver"] = from(SourceKind::ConfigFile, "org.postgresql.Driver", "flyway.conf:1", 1);
  log::configure(log::Format::Text, log::Verbosity::Normal);
  test::Capture err(STDERR_FILENO);
  warn_not_acted_on(settings);
  const std::string out = err.finish();
  EXPECT_NE(out.find("setting 'batch' (option '-batch') is not supported"), std::string::npos) << out;
  EXPECT_EQ(out.find("mixed"), std::string::npos) << out;
  EXPECT_NE(out.find("setting 'jdbcProperties.ssl' (environment variable FLYWAY_JDBC_PROPERTIES_SSL)"), std::string::npos) << out;
  EXPECT_EQ(out.find("driver"), std::string::npos) << out;  // Flyway's own: a debug line only
  EXPECT_EQ(out.find("table"), std::string::npos) << out;
}

TEST(WarnNotActedOn, LeavesOutTheLockAndDryRunSettingsStrataActsOn) {
  Layer settings = default_settings();
  settings["lockRetryCount"] = from(SourceKind::ConfigFile, "5", "flyway.conf:2", 2);
  settings["dryRunOutput"] = from(SourceKind::CommandLine, "plan.sql", "option '-dryRunOutput'");
  log::configure(log::Format::Text, log::Verbosity::Normal);
  test::Capture err(STDERR_FILENO);
  warn_not_acted_on(settings);
  const std::string out = err.finish();
  EXPECT_EQ(out.find("lockRetryCount"), std::string::npos) << out;
  EXPECT_EQ(out.find("dryRunOutput"), std::string::npos) << out;
}

TEST(CanonicalKey, LockAndDryRunOptionsReachTheirSettings) {
  EXPECT_EQ(canonical_key("lock-retries"), "lockRetryCount");
  EXPECT_EQ(canonical_key("LOCK_RETRY_COUNT"), "lockRetryCount");
  EXPECT_EQ(canonical_key("lock-timeout"), "lockTimeout");
  EXPECT_EQ(canonical_key("statement-timeout"), "statementTimeout");
  EXPECT_EQ(canonical_key("dry-run"), "dryRun");
  EXPECT_EQ(canonical_key("dry-run-output"), "dryRunOutput");
}

}  // namespace
}  // namespace strata
