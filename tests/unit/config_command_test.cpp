// print_settings (strata config): each setting of a loaded Config with its source, masked.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "strata/commands.hpp"
#include "strata/log.hpp"

namespace strata {
namespace {

Config loaded() {
  ConfigInputs in;
  in.flags = {{"url", "postgresql://app:pw1@h/db"}, {"-placeholders.token", "tok"}};
  in.env = {{"FLYWAY_TABLE", "hist"}};
  return load_config(in);
}

TEST(PrintSettings, TextNamesEachSourceAndMasksSecrets) {
  const Config config = loaded();
  EXPECT_EQ(config.sources.at("table").kind, SourceKind::FlywayEnvironment);
  EXPECT_EQ(config.sources.at("url").kind, SourceKind::CommandLine);
  EXPECT_EQ(config.sources.at("target").kind, SourceKind::Default);
  std::ostringstream out;
  print_settings(out, config);
  const std::string text = out.str();
  // Keys are padded to the longest one, repeatableSqlMigrationPrefix here.
  EXPECT_NE(text.find("\ntable                        = hist   (environment variable FLYWAY_TABLE)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nurl                          = postgresql://app:***@h/db   (command line: --url)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nplaceholders.token           = ***   (command line: -placeholders.token)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("pw1"), std::string::npos) << text;
  EXPECT_EQ(text.find("tok\n"), std::string::npos) << text;
  log::configure(log::Format::Text, log::Verbosity::Normal);
}

TEST(PrintSettings, JsonHasValueAndSourceOfEverySetting) {
  Config config = loaded();
  config.output = OutputFormat::Json;
  std::ostringstream out;
  print_settings(out, config);
  const auto doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(doc["settings"].size(), config.sources.size());
  EXPECT_EQ(doc["settings"]["table"]["value"], "hist");
  EXPECT_EQ(doc["settings"]["table"]["source"], "environment variable FLYWAY_TABLE");
  EXPECT_EQ(doc["settings"]["placeholders.token"]["value"], "***");
  EXPECT_EQ(doc["settings"]["url"]["value"], "postgresql://app:***@h/db");
  log::configure(log::Format::Text, log::Verbosity::Normal);
}

}  // namespace
}  // namespace strata
