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

TEST(History, LengthsCountJavaCharsAndNeverSplitACharacter) {
  // 110 Cyrillic letters: 220 bytes but 110 Java chars, within the limit.
  std::string cyrillic;
  for (int i = 0; i < 110; ++i) cyrillic += "\xD1\x8F";
  EXPECT_EQ(fit_description(cyrillic), cyrillic);
  // 250 of them: the first 197 characters (394 bytes) and "...".
  std::string longer;
  for (int i = 0; i < 250; ++i) longer += "\xD1\x8F";
  EXPECT_EQ(fit_description(longer), longer.substr(0, 394) + "...");
  // An emoji is two Java chars; 100 of them are exactly 200.
  std::string emoji;
  for (int i = 0; i < 100; ++i) emoji += "\xF0\x9F\x98\x80";
  EXPECT_EQ(fit_description(emoji), emoji);
  // 1001 chars of script with a 2-byte character at the front.
  std::string script = "\xC3\xA9" + std::string(1000, 'x');
  std::string fitted = fit_script(script);
  EXPECT_EQ(fitted, "..." + std::string(997, 'x'));
}

TEST(History, KnownTypesAreFlywaysAndNothingElse) {
  for (const char* type : {"SQL", "SQL_BASELINE", "UNDO_SQL", "JDBC", "JDBC_BASELINE", "UNDO_JDBC", "SCRIPT",
                           "SCRIPT_BASELINE", "UNDO_SCRIPT", "CUSTOM", "UNDO_CUSTOM", "SCHEMA", "BASELINE", "DELETE",
                           "SPRING_JDBC", "UNDO_SPRING_JDBC", "SQL_STATE_SCRIPT", "JDBC_STATE_SCRIPT"}) {
    EXPECT_TRUE(is_known_type(type)) << type;
  }
  // Flyway's valueOf is case-sensitive and knows no other name.
  for (const char* type : {"", "sql", "JDBC_FOO", "UNDO_", "UNDO_FOO", "SCRIPT ", "BASELINE_SQL"}) {
    EXPECT_FALSE(is_known_type(type)) << type;
  }
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
