// The command line's parser-free pieces: what suggested commands repeat, and how errors look.
#include "cli.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "capture.hpp"
#include "strata/log.hpp"

namespace strata::cli {
namespace {

TEST(RepeatedArgs, RepeatsWhereAndWhatInTheFormsGiven) {
  const std::string args = repeated_args({{"config", "conf/strata prod.yaml"},
                                          {"locations", "db/migrations"},
                                          {"-table", "history"},
                                          {"out-of-order", "true"},
                                          {"placeholder-replacement", "false"}},
                                         {"out-of-order", "placeholder-replacement"});
  EXPECT_EQ(args, " -table=history -c 'conf/strata prod.yaml' --locations db/migrations --placeholder-replacement=false");
}

TEST(RepeatedArgs, NeverRepeatsASecret) {
  const std::string args = repeated_args({{"url", "postgresql://app:S3cretPw@db:5432/app"},
                                          {"password", "S3cretPw"},
                                          {"placeholders.token", "S3cretPw"}},
                                         {});
  EXPECT_EQ(args.find("S3cretPw"), std::string::npos) << args;
  EXPECT_NE(args.find("postgresql://app:***@db:5432/app"), std::string::npos) << args;
}

TEST(PrintError, OneLocatedLineThenHint) {
  InputError e("unterminated quoted string");
  e.file = "migrations/V2__b.sql";
  e.line = 3;
  e.column = 7;
  e.hint = "close the quote";
  log::configure(log::Format::Text, log::Verbosity::Normal);
  test::Capture err(2);
  print_error(e, false);
  EXPECT_EQ(err.finish(), "ERROR: migrations/V2__b.sql:3:7: unterminated quoted string\n  HINT: close the quote\n");
}

TEST(PrintError, UnderJsonLogsTheErrorDocumentIsTheLastLine) {
  MigrationFailed e("migration V2__b.sql failed: syntax error");
  e.file = "migrations/V2__b.sql";
  e.line = 3;
  e.sqlstate = "42601";
  e.migration = "V2__b.sql";
  log::configure(log::Format::Json, log::Verbosity::Normal);
  test::Capture out(1);
  print_error(e, false);
  const std::string text = out.finish();
  log::configure(log::Format::Text, log::Verbosity::Normal);
  const std::size_t first_end = text.find('\n');
  ASSERT_NE(first_end, std::string::npos) << text;
  const nlohmann::json line = nlohmann::json::parse(text.substr(0, first_end));
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["migration"], "V2__b.sql");
  const nlohmann::json doc = nlohmann::json::parse(text.substr(first_end + 1));  // one line, the last
  EXPECT_EQ(doc["error"]["errorCode"], "FAILED_VERSIONED_MIGRATION");
  EXPECT_EQ(doc["error"]["sqlState"], "42601");
  EXPECT_EQ(doc["error"]["line"], 3);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

TEST(LogFormatAsked, FlagThenStrataThenFlywayEnvironment) {
  EXPECT_EQ(log_format_asked({}, {}), log::Format::Text);
  EXPECT_EQ(log_format_asked({}, {{"STRATA_LOG_FORMAT", "json"}}), log::Format::Json);
  EXPECT_EQ(log_format_asked({}, {{"FLYWAY_LOG_FORMAT", " JSON "}}), log::Format::Json);
  EXPECT_EQ(log_format_asked({{"log-format", "text"}}, {{"STRATA_LOG_FORMAT", "json"}}), log::Format::Text);
  EXPECT_EQ(log_format_asked({}, {{"STRATA_LOG_FORMAT", "text"}, {"FLYWAY_LOG_FORMAT", "json"}}), log::Format::Text);
}

TEST(Options, EachKeyDeclaredOnce) {
  std::set<std::string> keys;
  for (const Option& o : value_options()) EXPECT_TRUE(keys.insert(o.key).second) << o.key;
  for (const Option& o : switch_options()) EXPECT_TRUE(keys.insert(o.key).second) << o.key;
  EXPECT_TRUE(keys.count("config") && keys.count("verbose"));
}

}  // namespace
}  // namespace strata::cli
