#include <gtest/gtest.h>

#include "strata/db.hpp"
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

TEST(History, RowsDecodeEveryColumnNullsAndNegativeChecksumsIncluded) {
  Rows rows{{"1", std::nullopt, "<< Flyway Schema Creation >>", "SCHEMA", "\"public\"", std::nullopt, "postgres",
             "2024-01-31 12:34:56.789", "0", "t"},
            {"2", "1.1", "add things", "SQL", "sub/V1_1__add_things.sql", "-2147483648", "me",
             "2024-01-31 12:34:57.000", "1234", "f"},
            {"3", std::nullopt, "views", "SQL", "R__views.sql", "2147483647", "me", std::nullopt, std::nullopt,
             std::nullopt}};
  const std::vector<AppliedMigration> a = HistoryTable::from_rows(rows);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].installed_rank, 1);
  EXPECT_FALSE(a[0].version);
  EXPECT_EQ(a[0].description, "<< Flyway Schema Creation >>");
  EXPECT_EQ(a[0].type, "SCHEMA");
  EXPECT_EQ(a[0].script, "\"public\"");
  EXPECT_FALSE(a[0].checksum);
  EXPECT_EQ(a[0].installed_by, "postgres");
  EXPECT_EQ(a[0].installed_on, "2024-01-31 12:34:56.789");
  EXPECT_EQ(a[0].execution_time, 0);
  EXPECT_TRUE(a[0].success);
  EXPECT_EQ(a[1].installed_rank, 2);
  EXPECT_EQ(a[1].version, "1.1");
  EXPECT_EQ(a[1].script, "sub/V1_1__add_things.sql");
  EXPECT_EQ(a[1].checksum, -2147483648);
  EXPECT_EQ(a[1].execution_time, 1234);
  EXPECT_FALSE(a[1].success);
  EXPECT_EQ(a[2].checksum, 2147483647);
  EXPECT_EQ(a[2].installed_on, "");
  EXPECT_EQ(a[2].execution_time, 0);
  EXPECT_FALSE(a[2].success);
}

}  // namespace
}  // namespace strata
