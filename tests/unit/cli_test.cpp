// The command line's parser-free pieces: what suggested commands repeat, and how errors look.
#include "cli.hpp"

#include <gtest/gtest.h>

#include <iostream>

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

TEST(Options, EachKeyDeclaredOnce) {
  std::set<std::string> keys;
  for (const Option& o : value_options()) EXPECT_TRUE(keys.insert(o.key).second) << o.key;
  for (const Option& o : switch_options()) EXPECT_TRUE(keys.insert(o.key).second) << o.key;
  EXPECT_TRUE(keys.count("config") && keys.count("verbose"));
}

}  // namespace
}  // namespace strata::cli
