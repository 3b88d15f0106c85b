#include <gtest/gtest.h>

#include "strata/history.hpp"

namespace strata {
namespace {

TEST(History, QuotedNameDoublesEmbeddedQuotes) {
  EXPECT_EQ((TableName{"public", "flyway_schema_history"}.quoted()), "\"public\".\"flyway_schema_history\"");
  EXPECT_EQ((TableName{"My \"Odd\" Schema", "Hist"}.quoted()), "\"My \"\"Odd\"\" Schema\".\"Hist\"");
}

TEST(History, DescriptionOver200CharactersKeeps197AndAnEllipsis) {
  EXPECT_EQ(fit_description(std::string(200, 'd')), std::string(200, 'd'));
  std::string longer = std::string(197, 'a') + "bcdef";
  EXPECT_EQ(fit_description(longer), std::string(197, 'a') + "...");
  EXPECT_EQ(fit_description(longer).size(), 200u);
}

TEST(History, ScriptOver1000CharactersKeepsTheFirst1000WithAnEllipsisInFront) {
  EXPECT_EQ(fit_script(std::string(1000, 's')), std::string(1000, 's'));
  std::string longer = "abc" + std::string(997, 'x') + "tail";
  std::string fitted = fit_script(longer);
  EXPECT_EQ(fitted.size(), 1000u);
  EXPECT_EQ(fitted, "..." + std::string(997, 'x'));
}

TEST(History, RowVersionParsesLikeAFileVersion) {
  AppliedMigration row;
  EXPECT_FALSE(row.parsed_version());
  row.version = "1.01";
  ASSERT_TRUE(row.parsed_version());
  EXPECT_EQ(*row.parsed_version(), *Version::parse("1_1"));
}

}  // namespace
}  // namespace strata
