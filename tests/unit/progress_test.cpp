#include "strata/progress.hpp"

#include <gtest/gtest.h>

namespace strata {
namespace {

using std::chrono::milliseconds;

TEST(ProgressText, CountNameElapsedAndStatement) {
  EXPECT_EQ(progress_text(2, 5, "V2__add_index.sql", milliseconds(12345), "", 0), "[2/5] V2__add_index.sql 12.3s");
  EXPECT_EQ(progress_text(2, 5, "V2__add_index.sql", milliseconds(65000), "14:3", 0),
            "[2/5] V2__add_index.sql 1m05s, statement at line 14:3");
}

TEST(ProgressText, NeverWiderThanTheTerminal) {
  EXPECT_EQ(progress_text(1, 1, "V1__a_rather_long_name.sql", milliseconds(0), "", 20), "[1/1] V1__a_rather_");
}

ResolvedMigration migration(std::string sql) {
  ResolvedMigration m;
  m.script = "V1__x.sql";
  m.sql = std::move(sql);
  return m;
}

TEST(StatementPosition, LineAndColumnOfTheRunningStatement) {
  const ResolvedMigration m = migration("CREATE TABLE a (id int);\n  UPDATE a SET id = 1;\n");
  std::size_t from = 0;
  EXPECT_EQ(statement_position(m, "UPDATE a SET id = 1", from), "2:3");
  EXPECT_EQ(statement_position(m, "DROP TABLE nowhere", from), "");
}

TEST(StatementPosition, SkipsLeadingCommentsAndFindsTheNextCopyFirst) {
  const ResolvedMigration m = migration("SELECT 1;\n-- again\n/* and */ SELECT 1;\n");
  std::size_t from = 0;
  EXPECT_EQ(statement_position(m, "SELECT 1", from), "1:1");
  from = 9;  // the run is past the first statement
  EXPECT_EQ(statement_position(m, "\n-- again\n/* and */ SELECT 1", from), "3:11");
}

TEST(StatementPosition, PointsIntoTheFileWhenPlaceholdersWereReplaced) {
  ResolvedMigration m = migration("CREATE ROLE a_much_longer_value;\nGRANT x TO a_much_longer_value;\n");
  m.original_sql = "CREATE ROLE ${r};\nGRANT x TO ${r};\n";
  m.splices = {{12, 16, 12, 31}, {29, 33, 44, 63}};  // the value is 19 bytes, ${r} 4
  std::size_t from = 0;
  EXPECT_EQ(statement_position(m, "GRANT x TO a_much_longer_value", from), "2:1");
}

}  // namespace
}  // namespace strata
