// lint, lintFailOn, lint.ignore and lintTargetVersion as the configuration gives them.
#include <gtest/gtest.h>

#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/lint.hpp"

namespace strata {
namespace {

Config config_with(std::map<std::string, std::string> flags) {
  ConfigInputs inputs;
  inputs.flags = std::move(flags);
  return load_config(inputs);
}

TEST(LintSettings, DefaultsWarnFailOnErrorAndPostgres15) {
  const Config config = config_with({});
  EXPECT_EQ(lint_mode(config), LintMode::Warn);
  EXPECT_EQ(lint_fail_on(config), LintSeverity::Error);
  const LintSettings s = lint_settings(config);
  EXPECT_EQ(s.server_major, 15);
  EXPECT_FALSE(s.lock_timeout_configured);
  EXPECT_TRUE(s.ignored_rules.empty());
}

TEST(LintSettings, ReadsEveryKey) {
  const Config config = config_with({{"lint", "ERROR"}, {"lint-fail-on", "warning"}, {"lint.ignore", "truncate, cluster"},
                                     {"lintTargetVersion", "10"}, {"lock-timeout", "5s"}});
  EXPECT_EQ(lint_mode(config), LintMode::Error);
  EXPECT_EQ(lint_fail_on(config), LintSeverity::Warning);
  const LintSettings s = lint_settings(config);
  EXPECT_EQ(s.server_major, 10);
  EXPECT_TRUE(s.lock_timeout_configured);
  EXPECT_EQ(s.ignored_rules, (std::vector<std::string>{"truncate", "cluster"}));
  EXPECT_EQ(lint_mode(config_with({{"lint", "off"}})), LintMode::Off);
}

TEST(LintSettings, BadValuesNameTheSetting) {
  EXPECT_THROW(config_with({{"lint", "maybe"}}), ConfigError);
  EXPECT_THROW(config_with({{"lint-fail-on", "info"}}), ConfigError);
  EXPECT_THROW(lint_settings(config_with({{"lintTargetVersion", "7"}})), ConfigError);
}

}  // namespace
}  // namespace strata
