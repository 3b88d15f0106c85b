// COPY ... FROM STDIN with its inline rows: the splitter takes the rows up to `\.` (the parser
// never sees them) and carries on after them.
#include <gtest/gtest.h>

#include <cctype>

#include "strata/script.hpp"

namespace strata {
namespace {

TEST(SplitCopy, RowsWithSemicolonsTabsAndBackslashesStayData) {
  const std::string sql =
      "CREATE TABLE t (a text, b text);\n"
      "COPY t (a, b) FROM stdin;\n"
      "x;y\tit's\n"
      "back\\\\slash\t\\N\n"
      "'; DROP TABLE t; --\t$$\n"
      "\\.\n"
      "SELECT 1;\n";
  const SplitScript s = split_statements(sql);
  EXPECT_TRUE(s.parsed) << s.parse_error;
  EXPECT_FALSE(s.defect);
  ASSERT_EQ(s.statements.size(), 3u);
  const Statement& copy = s.statements[1];
  EXPECT_EQ(copy.kind, StatementKind::CopyFromStdin);
  EXPECT_EQ(copy.sql, "COPY t (a, b) FROM stdin");
  EXPECT_EQ(copy.copy_data, "x;y\tit's\nback\\\\slash\t\\N\n'; DROP TABLE t; --\t$$\n");
  EXPECT_EQ(copy.copy_data_start.line, 3);
  EXPECT_EQ(copy.copy_data_start.column, 1);
  EXPECT_EQ(s.statements[2].sql, "SELECT 1");
  EXPECT_EQ(s.statements[2].start.line, 7);
}

TEST(SplitCopy, SeveralBlocksEmptyDataCrlfAndATrailingComment) {
  const std::string sql =
      "COPY a FROM STDIN; -- rows follow\r\n"
      "1\r\n"
      "\\.\r\n"
      "COPY b FROM STDIN WITH (FORMAT csv);\n"
      "\\.\n"
      "copy c from stdin;\n"
      "3\n"
      "\\.";
  const SplitScript s = split_statements(sql);
  ASSERT_FALSE(s.defect) << s.defect->cause;
  ASSERT_EQ(s.statements.size(), 3u);
  EXPECT_EQ(s.statements[0].copy_data, "1\r\n");
  EXPECT_EQ(s.statements[1].copy_data, "");
  EXPECT_EQ(s.statements[1].start.line, 4);
  EXPECT_EQ(s.statements[2].copy_data, "3\n");
  EXPECT_EQ(s.statements[2].copy_data_start.line, 7);
  for (const Statement& st : s.statements) EXPECT_EQ(st.kind, StatementKind::CopyFromStdin);
}

TEST(SplitCopy, RowsAreKeptWhenTheRestIsSplitLexically) {
  const std::string sql = "COPY t FROM STDIN;\na;b\n\\.\nselct 1;\nCREATE INDEX CONCURRENTLY i ON t (a);\n";
  const SplitScript s = split_statements(sql);
  EXPECT_FALSE(s.parsed);
  EXPECT_EQ(position_at(sql, s.parse_error_offset).line, 4);
  ASSERT_EQ(s.statements.size(), 3u);
  EXPECT_EQ(s.statements[0].copy_data, "a;b\n");
  EXPECT_EQ(s.statements[1].sql, "selct 1");
  EXPECT_EQ(s.statements[2].kind, StatementKind::NoTransaction);
}

TEST(SplitCopy, OtherCopiesTakeNoRows) {
  const SplitScript s = split_statements("COPY t TO STDOUT;\nCOPY t FROM '/x';\nSELECT 1;");
  ASSERT_EQ(s.statements.size(), 3u);
  for (const Statement& st : s.statements) EXPECT_EQ(st.kind, StatementKind::Transactional);
}

struct DefectCase {
  const char* name;
  const char* sql;
  int line;
  int column;
  const char* cause;  // a word the cause names
};

class ScriptDefectTest : public ::testing::TestWithParam<DefectCase> {};

TEST_P(ScriptDefectTest, IsFoundAtItsLineAndColumn) {
  const DefectCase& c = GetParam();
  const SplitScript s = split_statements(c.sql);
  ASSERT_TRUE(s.defect) << c.name;
  const TextPosition pos = position_at(c.sql, s.defect->offset);
  EXPECT_EQ(pos.line, c.line) << c.name;
  EXPECT_EQ(pos.column, c.column) << c.name;
  EXPECT_NE(s.defect->cause.find(c.cause), std::string::npos) << c.name << ": " << s.defect->cause;
}

INSTANTIATE_TEST_SUITE_P(
    Unreadable, ScriptDefectTest,
    ::testing::Values(
        DefectCase{"quote", "SELECT 1;\nSELECT 'abc;\nSELECT 2;\n", 2, 8, "quoted string"},
        DefectCase{"escape string", "SELECT E'it\\'s;\n", 1, 9, "quoted string"},
        DefectCase{"identifier", "SELECT 1;\n  SELECT \"col FROM t;", 2, 10, "quoted identifier"},
        DefectCase{"dollar quote", "DO $body$ BEGIN NULL; END $bod$;\n", 1, 4, "dollar-quoted"},
        DefectCase{"comment", "SELECT 1; /* never\n closed", 1, 11, "/* comment"},
        DefectCase{"nested comment", "/* a /* b */ SELECT 1;", 1, 1, "/* comment"},
        DefectCase{"copy without end", "SELECT 1;\nCOPY t FROM STDIN;\n1\n2\n", 2, 1, "\\."},
        DefectCase{"copy rows on its line", "COPY t FROM STDIN; 1\n\\.\n", 1, 20, "same line"}),
    [](const ::testing::TestParamInfo<DefectCase>& info) {
      std::string name = info.param.name;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(ScriptDefect, QuotesTheParserReadsAreNoDefect) {
  // Standard strings end at the first quote whatever the backslash; escape strings do not.
  EXPECT_FALSE(split_statements("SELECT 'a\\';").defect);
  EXPECT_FALSE(split_statements("SELECT $1, $$a$$, $x$ 'q $x$;").defect);
  EXPECT_FALSE(split_statements("SELECT 1 -- it's\n;").defect);
  EXPECT_FALSE(split_statements("selct 'closed'; SELECT 2;").defect);
}

TEST(SplitPositions, EveryStatementKnowsItsLineAndColumn) {
  const std::string sql = "SELECT 1;  SELECT 2;\n\n  -- note\n  CREATE TABLE é (x int);\r\n\tVACUUM;";
  const SplitScript s = split_statements(sql);
  ASSERT_EQ(s.statements.size(), 4u);
  const std::vector<std::pair<int, int>> expected{{1, 1}, {1, 12}, {3, 3}, {5, 2}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s.statements[i].start.line, expected[i].first) << i;
    EXPECT_EQ(s.statements[i].start.column, expected[i].second) << i;
    const TextPosition direct = position_at(sql, s.statements[i].offset);
    EXPECT_EQ(direct.line, s.statements[i].start.line) << i;
    EXPECT_EQ(direct.column, s.statements[i].start.column) << i;
  }
  EXPECT_EQ(s.statements[3].kind, StatementKind::NoTransaction);
}

}  // namespace
}  // namespace strata
