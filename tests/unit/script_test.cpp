#include <gtest/gtest.h>

#include "strata/script.hpp"

namespace strata {
namespace {

std::vector<std::string> texts(const SplitScript& s) {
  std::vector<std::string> out;
  for (const auto& st : s.statements) out.emplace_back(st.sql);
  return out;
}

TEST(Split, SemicolonsInsideQuotesCommentsAndDollarQuotesDoNotSplit) {
  const std::string sql =
      "-- lead; comment\n"
      "CREATE TABLE a (x text DEFAULT 'a;b');\n"
      "/* block; /* nested; */ still */ SELECT \"we;ird\" FROM a;\n"
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN 1; END; $fn$;\n"
      "SELECT E'it\\'s; fine';\n";
  SplitScript s = split_statements(sql);
  EXPECT_TRUE(s.parsed);
  ASSERT_EQ(s.statements.size(), 4u) << ::testing::PrintToString(texts(s));
  EXPECT_EQ(texts(s)[0], "-- lead; comment\nCREATE TABLE a (x text DEFAULT 'a;b')");
  EXPECT_EQ(texts(s)[3], "SELECT E'it\\'s; fine'");
}

TEST(Split, BeginAtomicBodyStaysOneStatement) {
  const std::string sql =
      "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC\n  SELECT a + b;\n  SELECT a;\nEND;\nSELECT 1;";
  SplitScript s = split_statements(sql);
  EXPECT_TRUE(s.parsed);
  ASSERT_EQ(s.statements.size(), 2u) << ::testing::PrintToString(texts(s));
  EXPECT_EQ(texts(s)[1], "SELECT 1");
}

TEST(Split, OffsetsPointAtTheFirstTokenOfEachStatement) {
  const std::string sql = "SELECT 1;\n\n   SELECT 2;";
  SplitScript s = split_statements(sql);
  ASSERT_EQ(s.statements.size(), 2u);
  EXPECT_EQ(s.statements[0].offset, 0u);
  EXPECT_EQ(s.statements[1].offset, 14u);
  EXPECT_EQ(position_at(sql, s.statements[1].offset).line, 3);
  EXPECT_EQ(position_at(sql, s.statements[1].offset).column, 4);
}

TEST(Split, EmptyAndCommentOnlyScriptsHaveNoStatements) {
  EXPECT_TRUE(split_statements("").statements.empty());
  EXPECT_TRUE(split_statements("  \n\t\n").statements.empty());
  EXPECT_TRUE(split_statements("-- nothing here\n").statements.empty());
  EXPECT_EQ(split_statements("SELECT 1;;;").statements.size(), 1u);
}

TEST(Split, TextTheParserRejectsIsSplitLexicallyKeepingEveryStatement) {
  const std::string sql = "SELECT 1;\nselct 'a;b' $x$ ; $x$;\nSELECT 3;";
  SplitScript s = split_statements(sql);
  EXPECT_FALSE(s.parsed);
  EXPECT_NE(s.parse_error.find("selct"), std::string::npos);
  EXPECT_EQ(position_at(sql, s.parse_error_offset).line, 2);
  ASSERT_EQ(s.statements.size(), 3u) << ::testing::PrintToString(texts(s));
  EXPECT_EQ(texts(s)[1], "selct 'a;b' $x$ ; $x$");
  EXPECT_EQ(texts(s)[2], "SELECT 3");
}

TEST(Split, LexicalSplitHonoursNestedCommentsAndDoubledQuotes) {
  const std::string sql = "bogus /* a; /* b; */ c; */ 'it''s;' \"x;\"\"y\"; other";
  SplitScript s = split_statements(sql);
  EXPECT_FALSE(s.parsed);
  ASSERT_EQ(s.statements.size(), 2u) << ::testing::PrintToString(texts(s));
  EXPECT_EQ(texts(s)[1], "other");
}

TEST(Position, LinesAndColumnsCountCharactersAndEveryLineEnding) {
  const std::string text = "ab\r\ncé\rxyz\nq";
  EXPECT_EQ(position_at(text, 0).line, 1);
  EXPECT_EQ(position_at(text, 4).line, 2);
  // "cé" is 3 bytes; the offset after it is column 3.
  EXPECT_EQ(position_at(text, 7).column, 3);
  EXPECT_EQ(position_at(text, 8).line, 3);
  EXPECT_EQ(position_at(text, 12).line, 4);
  EXPECT_EQ(position_at(text, 999).line, 4);
}

TEST(Position, ServerCharacterPositionsBecomeByteOffsets) {
  const std::string text = "SELECT 'é', nope";
  // The server counts characters from 1: 'n' is character 13, byte 13 (é takes two bytes).
  EXPECT_EQ(byte_offset_of_char(text, 13), 13u);
  EXPECT_EQ(byte_offset_of_char(text, 1), 0u);
  EXPECT_EQ(byte_offset_of_char(text, 0), 0u);
  EXPECT_EQ(byte_offset_of_char(text, 500), text.size());
}

TEST(Bom, OnlyALeadingMarkIsStripped) {
  EXPECT_EQ(strip_bom("\xEF\xBB\xBFSELECT 1"), "SELECT 1");
  EXPECT_EQ(strip_bom("SELECT 1\xEF\xBB\xBF"), "SELECT 1\xEF\xBB\xBF");
  EXPECT_EQ(strip_bom(""), "");
}

TEST(OriginalOffset, MapsPositionsInReplacedTextBackToTheTextAsWritten) {
  // "a ${x} b ${y} c" with x -> "LONGER" (4 bytes -> 6) and y -> "" (4 bytes -> 0).
  const std::vector<Splice> splices{{2, 6, 2, 8}, {9, 13, 11, 11}};
  EXPECT_EQ(original_offset(splices, 0), 0u);   // before any replacement
  EXPECT_EQ(original_offset(splices, 2), 2u);   // start of a value: its placeholder
  EXPECT_EQ(original_offset(splices, 7), 2u);   // inside a value: its placeholder
  EXPECT_EQ(original_offset(splices, 9), 7u);   // 'b' moved right by 2
  EXPECT_EQ(original_offset(splices, 11), 13u); // after the empty value: right after its placeholder
  EXPECT_EQ(original_offset(splices, 12), 14u); // 'c'
  EXPECT_EQ(original_offset({}, 5), 5u);
}

}  // namespace
}  // namespace strata
