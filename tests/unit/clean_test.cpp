#include "strata/clean.hpp"

#include <gtest/gtest.h>

#include "strata/history.hpp"

namespace strata {
namespace {

using Names = std::vector<std::string>;

TEST(CleanParse, QuotedNamesAsStrataAndFlywayWriteThem) {
  EXPECT_EQ(parse_created_schemas("\"webapi\""), Names{"webapi"});
  EXPECT_EQ(parse_created_schemas("\"a\",\"b\""), (Names{"a", "b"}));
  EXPECT_EQ(parse_created_schemas("\"App Data\",\"Audit\""), (Names{"App Data", "Audit"}));
  EXPECT_EQ(parse_created_schemas("\"say \"\"hi\"\"\""), Names{"say \"hi\""});
  EXPECT_EQ(parse_created_schemas("\"\"\"\""), Names{"\""});
}

TEST(CleanParse, ACommaInsideQuotesStaysInTheName) {
  EXPECT_EQ(parse_created_schemas("\"a,b\",\"c\""), (Names{"a,b", "c"}));
}

TEST(CleanParse, EmptyScriptNamesNothing) { EXPECT_TRUE(parse_created_schemas("").empty()); }

TEST(CleanParse, AnythingElseIsReadTheWayFlywayReadsIt) {
  // Split at every comma; a piece is unquoted only when it starts and ends with a quote.
  EXPECT_EQ(parse_created_schemas("a,b"), (Names{"a", "b"}));
  EXPECT_EQ(parse_created_schemas("\"a\",b"), (Names{"a", "b"}));
  EXPECT_EQ(parse_created_schemas("\"a"), Names{"\"a"});
  EXPECT_EQ(parse_created_schemas("\"a\" ,\"b\""), (Names{"\"a\" ", "b"}));
  EXPECT_EQ(parse_created_schemas("\"a\","), Names{"a"});
  EXPECT_EQ(parse_created_schemas(",\"a\""), (Names{"", "a"}));
}

TEST(CleanParse, EverySchemaRowOfTheHistoryCounts) {
  std::vector<AppliedMigration> history(4);
  history[0].type = "SCHEMA";
  history[0].script = "\"app\",\"audit\"";
  history[1].type = "SQL";
  history[1].script = "\"not\",\"a schema\"";
  history[2].type = "SCHEMA";
  history[2].script = "\"audit\",\"More\"";
  history[3].type = "BASELINE";
  history[3].script = "<< Flyway Baseline >>";
  EXPECT_EQ(created_schemas(history), (Names{"app", "audit", "More"}));
  EXPECT_TRUE(created_schemas({}).empty());
}

}  // namespace
}  // namespace strata
