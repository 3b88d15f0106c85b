// The steps of reconcile one at a time; reconcile_test pins what they add up to.
#include "reconcile/steps.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../migration_fixtures.hpp"

namespace strata::reconciling {
namespace {

using strata::testing::R;
using strata::testing::V;

AppliedMigration row(int rank, std::optional<std::string> version, const std::string& description,
                     const std::string& type = "SQL", bool success = true) {
  AppliedMigration a;
  a.installed_rank = rank;
  a.version = std::move(version);
  a.description = description;
  a.type = type;
  a.script = description + ".sql";
  a.checksum = 100;
  a.success = success;
  return a;
}

TEST(ReconcileSteps, FilesAreFoundByVersionAndTypeAndRepeatablesByDescription) {
  std::vector<ResolvedMigration> resolved{V("2", "b"), V("1.0", "a"), V("2", "j", 1, "JDBC"), R("v", 1), R("v", 2)};
  const Files files = index_files(resolved);
  ASSERT_TRUE(files.highest);
  EXPECT_EQ(files.highest->text(), "2");
  ASSERT_NE(files.find_versioned(*Version::parse("1"), "SQL"), kNone);  // 1.0 and 1 are one version
  EXPECT_EQ(files.versioned[files.find_versioned(*Version::parse("2"), "JDBC")]->description, "j");
  EXPECT_EQ(files.versioned[files.find_versioned(*Version::parse("2"), "SQL")]->description, "b");
  EXPECT_EQ(files.find_versioned(*Version::parse("3"), "SQL"), kNone);
  ASSERT_EQ(files.repeatable.size(), 1u);  // the later of two with one description
  EXPECT_EQ(files.repeatable[files.find_repeatable("v")]->checksum, 2);
  EXPECT_EQ(files.find_repeatable("w"), kNone);
}

TEST(ReconcileSteps, DeleteRowMarksTheNewestEarlierRowAndTheSchemaVersionSkipsIt) {
  std::vector<AppliedMigration> applied{row(3, "2", "b"), row(1, "1", "a"), row(4, "2", "b", "DELETE"),
                                        row(2, "1.5", "late"), row(5, std::nullopt, "v"), row(6, std::nullopt, "v")};
  std::vector<Row> rows = read_rows(applied);
  ASSERT_EQ(rows.size(), 6u);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].row->installed_rank, int(i) + 1);
  mark_deleted(rows);
  EXPECT_TRUE(rows[2].deleted);  // rank 3, version 2
  EXPECT_TRUE(rows[3].hidden);   // its DELETE row
  EXPECT_FALSE(rows[4].latest);
  EXPECT_TRUE(rows[5].latest);
  const Applied schema = scan_applied(rows);
  ASSERT_TRUE(schema.current);
  EXPECT_EQ(schema.current->text(), "1.5");
  EXPECT_FALSE(rows[1].out_of_order);
}

TEST(ReconcileSteps, NextTargetLimitsToTheFirstPendingVersion) {
  std::vector<ResolvedMigration> resolved{V("1", "a"), V("2", "b"), V("3", "c")};
  const Files files = index_files(resolved);
  Context ctx;
  std::vector<Entry> entries = list_in_info_order({}, files, Claimed{{0, 0, 0}, {}}, ctx);
  apply_next_target(entries, ctx);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].info.state, MigrationState::Pending);
  EXPECT_EQ(entries[1].info.state, MigrationState::AboveTarget);
  EXPECT_EQ(entries[2].info.state, MigrationState::AboveTarget);
}

TEST(ReconcileSteps, AHintNeverChangesWhichFileIsFound) {
  // Two files of version 2 (an SQL and a JDBC one) and 1.0 next to 1: every hint, right, wrong,
  // one past a duplicate key or past the end, finds what the binary search finds.
  std::vector<ResolvedMigration> resolved{V("1.0", "a"), V("2", "b"), V("2", "j", 1, "JDBC"), V("3", "c"),
                                          V("3.1", "d")};
  const Files files = index_files(resolved);
  const std::vector<std::pair<std::string, std::string>> keys{{"1", "SQL"},   {"2", "SQL"}, {"2", "JDBC"},
                                                              {"3", "SQL"},   {"3.1", "SQL"}, {"3.0.0", "SQL"},
                                                              {"2.5", "SQL"}, {"4", "SQL"}, {"0", "SQL"}};
  for (const auto& [version, type] : keys) {
    const Version v = *Version::parse(version);
    const std::size_t want = files.find_versioned(v, type);
    for (std::size_t hint = 0; hint <= files.versioned.size() + 1; ++hint) {
      EXPECT_EQ(files.find_versioned(v, type, hint), want) << version << " " << type << " hint " << hint;
    }
    EXPECT_EQ(files.find_versioned(v, type, kNone), want);
  }
}

TEST(ReconcileSteps, RowsOutOfRankOrderAreSortedAndSortedOnesKeepTheirOrder) {
  std::vector<AppliedMigration> in_order{row(1, "1", "a"), row(2, "2", "b"), row(3, std::nullopt, "v")};
  std::vector<Row> rows = read_rows(in_order);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].row, &in_order[i]);
  std::vector<AppliedMigration> shuffled{row(3, std::nullopt, "v"), row(1, "1", "a"), row(2, "2", "b")};
  rows = read_rows(shuffled);
  EXPECT_EQ(rows[0].row, &shuffled[1]);
  EXPECT_EQ(rows[1].row, &shuffled[2]);
  EXPECT_EQ(rows[2].row, &shuffled[0]);
}

}  // namespace
}  // namespace strata::reconciling
