// psql meta-commands in a script: recognised only where psql reads them (a backslash starting a
// line outside quotes, comments and COPY data); pg_dump's \restrict guards are skipped, every
// other one is a defect naming the command.
#include <gtest/gtest.h>

#include "strata/script.hpp"

namespace strata {
namespace {

TEST(SplitMetaCommand, RestrictAndUnrestrictAreSkippedAndTheSqlAroundThemRuns) {
  const std::string sql =
      "--\n"
      "\\restrict AbC123xyz\n"
      "SET statement_timeout = 0;\n"
      "CREATE TABLE t (a int);\n"
      "COPY t (a) FROM stdin;\n"
      "1\n"
      "\\.\n"
      "\n"
      "\\unrestrict AbC123xyz\r\n";
  const SplitScript s = split_statements(sql);
  EXPECT_FALSE(s.defect) << s.defect->cause;
  EXPECT_TRUE(s.parsed) << s.parse_error;
  ASSERT_EQ(s.statements.size(), 3u);
  EXPECT_EQ(s.statements[0].sql, "SET statement_timeout = 0");
  EXPECT_EQ(s.statements[0].start.line, 3);
  EXPECT_EQ(s.statements[2].kind, StatementKind::CopyFromStdin);
  EXPECT_EQ(s.statements[2].copy_data, "1\n");
  ASSERT_EQ(s.skipped.size(), 2u);
  EXPECT_EQ(s.skipped[0].text, "\\restrict AbC123xyz");
  EXPECT_EQ(position_at(sql, s.skipped[0].offset).line, 2);
  EXPECT_EQ(s.skipped[1].text, "\\unrestrict AbC123xyz");
  EXPECT_EQ(position_at(sql, s.skipped[1].offset).line, 9);
}

TEST(SplitMetaCommand, AnyOtherMetaCommandIsADefectNamingItAtItsLine) {
  for (const std::string command : {"\\i other.sql", "\\set ON_ERROR_STOP on", "\\connect other", "\\gexec",
                                    "  \\copy t from 'f.csv'", "\\ir x.sql"}) {
    const std::string sql = "CREATE TABLE t (a int);\n\nSELECT 1\n" + command + "\nSELECT 2;\n";
    const SplitScript s = split_statements(sql);
    ASSERT_TRUE(s.defect) << command;
    const std::string name = command.substr(command.find('\\'), command.find_first_of(" \n", command.find('\\')) - command.find('\\'));
    EXPECT_EQ(s.defect->cause, "psql meta-command " + name + " is not SQL; strata runs SQL only") << command;
    EXPECT_EQ(position_at(sql, s.defect->offset).line, 4) << command;
  }
}

TEST(SplitMetaCommand, BackslashesInsideQuotesCommentsDollarQuotesAndCopyDataAreNotMetaCommands) {
  const std::string sql =
      "SELECT 'a\n\\i not.sql\n';\n"
      "SELECT E'b\\\n\\set x';\n"
      "/* c\n\\connect x\n*/ SELECT 3;\n"
      "-- \\i comment.sql\n"
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n\\gexec\nSELECT 1 $$;\n"
      "COPY t FROM stdin;\n\\\\data\n\\N\n\\.\n"
      "SELECT \"q\n\\i\";\n";
  const SplitScript s = split_statements(sql);
  EXPECT_FALSE(s.defect) << s.defect->cause;
  EXPECT_TRUE(s.skipped.empty());
  EXPECT_EQ(s.statements.size(), 6u);
}

}  // namespace
}  // namespace strata
