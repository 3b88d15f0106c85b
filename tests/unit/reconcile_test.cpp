#include "strata/reconcile.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "strata/error.hpp"
#include "migration_fixtures.hpp"

// Expected states come from reading Flyway 10's MigrationInfoServiceImpl.refresh,
// MigrationInfoImpl.getState/compareTo, BaseAppliedMigration.getState and
// ResolvedMigration.getState; each case names the Flyway rule it pins.

namespace strata {
namespace {

using testing::R;
using testing::V;

struct RowSpec {
  int rank;
  std::optional<std::string> version;
  std::string description;
  std::optional<std::int32_t> checksum = 100;
  bool success = true;
  std::string type = "SQL";
};

AppliedMigration make_row(const RowSpec& s) {
  AppliedMigration a;
  a.installed_rank = s.rank;
  a.version = s.version;
  a.description = s.description;
  a.type = s.type;
  a.script = s.version ? "V" + *s.version + "__" + s.description + ".sql" : "R__" + s.description + ".sql";
  a.checksum = s.checksum;
  a.installed_by = "me";
  a.installed_on = "2024-01-31 12:34:56.789";
  a.execution_time = 5;
  a.success = s.success;
  return a;
}

// Shorthands for history rows.
RowSpec sql(int rank, std::string version, std::string description, std::int32_t checksum = 100) {
  return RowSpec{rank, std::move(version), std::move(description), checksum};
}
RowSpec failed(int rank, std::string version, std::string description, std::int32_t checksum = 100) {
  return RowSpec{rank, std::move(version), std::move(description), checksum, false};
}
RowSpec rep(int rank, std::string description, std::int32_t checksum = 200, bool success = true) {
  return RowSpec{rank, std::nullopt, std::move(description), checksum, success};
}
RowSpec typed(int rank, std::optional<std::string> version, std::string description, std::string type,
              std::optional<std::int32_t> checksum = std::nullopt, bool success = true) {
  return RowSpec{rank, std::move(version), std::move(description), checksum, success, std::move(type)};
}
RowSpec baseline(int rank, std::string version = "1") {
  return typed(rank, std::move(version), "<< Flyway Baseline >>", "BASELINE");
}
RowSpec schema_row() { return typed(0, std::nullopt, "<< Flyway Schema Creation >>", "SCHEMA"); }

std::string label(const MigrationInfo& info) {
  std::string s = info.is_versioned() ? info.version_text() : info.description();
  s += " ";
  s += state_name(info.state);
  if (info.applied) s += "@" + std::to_string(info.applied->installed_rank);
  return s;
}

struct Outcome {
  std::vector<std::string> infos;
  std::vector<std::string> pending;
  std::string current;  // "" = none
  int failed_rank;      // -1 = none
};

Outcome run(const std::vector<ResolvedMigration>& files, const std::vector<AppliedMigration>& rows,
            const ReconcileOptions& options) {
  Reconciliation rec = reconcile(files, rows, options);
  Outcome o;
  for (const MigrationInfo& info : rec.infos) o.infos.push_back(label(info));
  for (const ResolvedMigration* m : rec.pending) o.pending.push_back(m->version ? m->version->text() : m->description);
  o.current = rec.current ? rec.current->text() : "";
  o.failed_rank = rec.failed ? rec.failed->installed_rank : -1;
  return o;
}

struct Case {
  std::string name;
  std::vector<ResolvedMigration> files;
  std::vector<RowSpec> rows;
  std::string target = "latest";
  bool out_of_order = false;
  std::vector<std::string> infos;
  std::vector<std::string> pending;
  std::string current;
  int failed_rank = -1;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class ReconcileCases : public ::testing::TestWithParam<Case> {};

TEST_P(ReconcileCases, MatchesFlyway) {
  const Case& c = GetParam();
  std::vector<AppliedMigration> rows;
  for (const RowSpec& r : c.rows) rows.push_back(make_row(r));
  ReconcileOptions options;
  options.target = Target::parse(c.target);
  options.out_of_order = c.out_of_order;
  Outcome o = run(c.files, rows, options);
  EXPECT_EQ(o.infos, c.infos);
  EXPECT_EQ(o.pending, c.pending);
  EXPECT_EQ(o.current, c.current);
  EXPECT_EQ(o.failed_rank, c.failed_rank);
}

std::vector<Case> cases() {
  return {
      // --- fresh database and targets ---
      {"empty", {}, {}, "latest", false, {}, {}, "", -1},
      {"fresh_all_pending",
       {V("1", "a"), V("2", "b"), R("r")},
       {},
       "latest", false,
       {"1 Pending", "2 Pending", "r Pending"},
       {"1", "2", "r"}, "", -1},
      {"fresh_target_version_limits_versioned_only",
       {V("1", "a"), V("2", "b"), V("3", "c"), R("r")},
       {},
       "2", false,
       {"1 Pending", "2 Pending", "3 Above Target", "r Pending"},
       {"1", "2", "r"}, "", -1},
      {"fresh_target_current_is_empty_so_all_versioned_above",
       {V("1", "a"), V("2", "b"), R("r")},
       {},
       "current", false,
       {"1 Above Target", "2 Above Target", "r Pending"},
       {"r"}, "", -1},
      {"fresh_target_next_applies_exactly_one",
       {V("1", "a"), V("2", "b"), R("r")},
       {},
       "NEXT", false,
       {"1 Pending", "2 Above Target", "r Pending"},
       {"1"}, "", -1},
      {"target_next_only_repeatables_left_takes_first",
       {V("1", "a"), R("r1"), R("r2")},
       {sql(1, "1", "a")},
       "next", false,
       {"1 Success@1", "r1 Pending", "r2 Pending"},
       {"r1"}, "1", -1},
      {"target_next_after_some_applied",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a")},
       "next", false,
       {"1 Success@1", "2 Pending", "3 Above Target"},
       {"2"}, "1", -1},
      {"target_next_nothing_pending",
       {V("1", "a")},
       {sql(1, "1", "a")},
       "next", false,
       {"1 Success@1"},
       {}, "1", -1},
      {"target_current_with_history",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a"), sql(2, "2", "b")},
       "current", false,
       {"1 Success@1", "2 Success@2", "3 Above Target"},
       {}, "2", -1},
      {"target_current_with_out_of_order_fills_gaps_only",
       {V("1", "a"), V("2", "b"), V("3", "c"), V("4", "d")},
       {sql(1, "1", "a"), sql(2, "3", "c")},
       "current", true,
       {"1 Success@1", "3 Success@2", "2 Pending", "4 Above Target"},
       {"2"}, "3", -1},
      {"target_below_current",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a"), sql(2, "2", "b")},
       "1", false,
       {"1 Success@1", "2 Success@2", "3 Above Target"},
       {}, "2", -1},
      {"target_spelled_differently_is_the_same_version",
       {V("1", "a"), V("1.1", "b"), V("2", "c")},
       {},
       "1_1_0", false,
       {"1 Pending", "1.1 Pending", "2 Above Target"},
       {"1", "1.1"}, "", -1},

      // --- applied ---
      {"all_applied_rerun_plan_empty",
       {V("1", "a"), V("2", "b"), R("r")},
       {sql(1, "1", "a"), sql(2, "2", "b"), rep(3, "r")},
       "latest", false,
       {"1 Success@1", "2 Success@2", "r Success@3"},
       {}, "2", -1},
      {"versioned_checksum_changed_is_still_success",
       {V("1", "a", 999)},
       {sql(1, "1", "a", 100)},
       "latest", false,
       {"1 Success@1"},
       {}, "1", -1},
      {"some_applied_rest_pending",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a")},
       "latest", false,
       {"1 Success@1", "2 Pending", "3 Pending"},
       {"2", "3"}, "1", -1},

      // --- missing and future ---
      {"missing_between_files",
       {V("1", "a"), V("3", "c")},
       {sql(1, "1", "a"), sql(2, "2", "b"), sql(3, "3", "c")},
       "latest", false,
       {"1 Success@1", "2 Missing@2", "3 Success@3"},
       {}, "3", -1},
      {"missing_failed_blocks",
       {V("1", "a"), V("3", "c")},
       {sql(1, "1", "a"), failed(2, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Failed (Missing)@2", "3 Pending"},
       {"3"}, "2", 2},
      {"future_above_highest_file",
       {V("1", "a")},
       {sql(1, "1", "a"), sql(2, "2", "b"), sql(3, "3", "c")},
       "latest", false,
       {"1 Success@1", "2 Future@2", "3 Future@3"},
       {}, "3", -1},
      {"no_files_at_all_everything_is_future",
       {},
       {sql(1, "1", "a"), rep(2, "r")},
       "latest", false,
       {"1 Future@1", "r Missing@2"},
       {}, "1", -1},
      {"lone_failed_future_is_tolerated_like_ignore_future",
       {V("1", "a")},
       {sql(1, "1", "a"), failed(2, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Failed (Future)@2"},
       {}, "2", -1},
      {"failed_future_with_another_failed_blocks_on_first",
       {V("1", "a"), V("3", "c")},
       {sql(1, "1", "a"), failed(2, "2", "b"), failed(3, "4", "d")},
       "latest", false,
       {"1 Success@1", "2 Failed (Missing)@2", "4 Failed (Future)@3", "3 Ignored"},
       {}, "4", 2},

      // --- ignored and out of order ---
      {"unapplied_below_current_is_ignored",
       {V("1", "a"), V("2", "b"), V("3", "c"), V("4", "d")},
       {sql(1, "1", "a"), sql(2, "3", "c")},
       "latest", false,
       {"1 Success@1", "3 Success@2", "2 Ignored", "4 Pending"},
       {"4"}, "3", -1},
      {"out_of_order_makes_it_pending_in_version_order",
       {V("1", "a"), V("2", "b"), V("3", "c"), V("4", "d")},
       {sql(1, "1", "a"), sql(2, "3", "c")},
       "latest", true,
       {"1 Success@1", "3 Success@2", "2 Pending", "4 Pending"},
       {"2", "4"}, "3", -1},
      {"applied_out_of_order_shows_as_such",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a"), sql(2, "3", "c"), sql(3, "2", "b")},
       "latest", false,
       {"1 Success@1", "3 Success@2", "2 Out of Order@3"},
       {}, "3", -1},
      {"target_version_with_out_of_order",
       {V("1", "a"), V("2", "b"), V("3", "c"), V("5", "e")},
       {sql(1, "1", "a"), sql(2, "3", "c")},
       "3", true,
       {"1 Success@1", "3 Success@2", "2 Pending", "5 Above Target"},
       {"2"}, "3", -1},

      // --- failed rows ---
      {"failed_versioned_blocks_and_is_not_pending",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a"), failed(2, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Failed@2", "3 Pending"},
       {"3"}, "2", 2},
      {"failed_then_succeeded_after_repair_like_history",
       {V("1", "a"), V("2", "b")},
       {sql(1, "1", "a"), failed(2, "2", "b"), sql(3, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Failed@2", "2 Out of Order@3"},
       {}, "2", 2},
      {"failed_repeatable_same_checksum_not_pending",
       {V("1", "a"), R("r", 200)},
       {sql(1, "1", "a"), rep(2, "r", 200, false)},
       "latest", false,
       {"1 Success@1", "r Failed@2"},
       {}, "1", 2},
      {"failed_repeatable_changed_file_pending_but_blocked",
       {R("r", 300)},
       {rep(1, "r", 200, false)},
       "latest", false,
       {"r Failed@1", "r Pending"},
       {"r"}, "", 1},

      // --- repeatables ---
      {"repeatable_outdated_reruns",
       {R("r", 300)},
       {rep(1, "r", 200)},
       "latest", false,
       {"r Outdated@1", "r Pending"},
       {"r"}, "", -1},
      {"repeatable_superseded_older_runs",
       {R("r", 300)},
       {rep(1, "r", 100), rep(2, "r", 200), rep(3, "r", 300)},
       "latest", false,
       {"r Superseded@1", "r Superseded@2", "r Success@3"},
       {}, "", -1},
      {"repeatable_file_gone_latest_missing_older_superseded",
       {},
       {rep(1, "r", 100), rep(2, "r", 200)},
       "latest", false,
       {"r Superseded@1", "r Missing@2"},
       {}, "", -1},
      {"repeatable_equivalent_checksum_matches",
       {R("r", 300, 200)},
       {rep(1, "r", 200)},
       "latest", false,
       {"r Success@1"},
       {}, "", -1},
      {"repeatable_null_checksum_is_outdated",
       {R("r", 300)},
       {typed(1, std::nullopt, "r", "SQL", std::nullopt)},
       "latest", false,
       {"r Outdated@1", "r Pending"},
       {"r"}, "", -1},
      {"repeatables_pending_after_versioned_by_description",
       {V("1", "a"), R("b"), R("a"), V("2", "b")},
       {},
       "latest", false,
       {"1 Pending", "2 Pending", "a Pending", "b Pending"},
       {"1", "2", "a", "b"}, "", -1},
      {"repeatable_rows_keep_rank_order_among_versioned",
       {V("1", "a"), V("2", "b"), R("r")},
       {rep(1, "r"), sql(2, "1", "a")},
       "latest", false,
       {"r Success@1", "1 Success@2", "2 Pending"},
       {"2"}, "1", -1},

      // --- baseline ---
      {"baseline_at_1_file_1_is_ignored_baseline",
       {V("1", "a"), V("2", "b")},
       {baseline(1)},
       "latest", false,
       {"1 Ignored (Baseline)", "1 Baseline@1", "2 Pending"},
       {"2"}, "1", -1},
      {"baseline_at_3_files_below_and_at",
       {V("1", "a"), V("2", "b"), V("3", "c"), V("4", "d")},
       {baseline(1, "3")},
       "latest", false,
       {"1 Below Baseline", "2 Below Baseline", "3 Ignored (Baseline)", "3 Baseline@1", "4 Pending"},
       {"4"}, "3", -1},
      {"below_baseline_never_pending_even_out_of_order",
       {V("1", "a"), V("2", "b")},
       {baseline(1, "2")},
       "latest", true,
       {"1 Below Baseline", "2 Ignored (Baseline)", "2 Baseline@1"},
       {}, "2", -1},
      {"baseline_then_applied_then_pending",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {baseline(1, "1"), sql(2, "2", "b")},
       "latest", false,
       {"1 Ignored (Baseline)", "1 Baseline@1", "2 Success@2", "3 Pending"},
       {"3"}, "2", -1},
      {"baseline_without_files",
       {},
       {baseline(1, "5")},
       "latest", false,
       {"5 Baseline@1"},
       {}, "5", -1},

      // --- schema row ---
      {"schema_row_first_shows_success_not_current",
       {V("1", "a")},
       {schema_row(), sql(1, "1", "a")},
       "latest", false,
       {"<< Flyway Schema Creation >> Success@0", "1 Success@1"},
       {}, "1", -1},
      {"schema_row_only",
       {V("1", "a"), R("r")},
       {schema_row()},
       "latest", false,
       {"<< Flyway Schema Creation >> Success@0", "1 Pending", "r Pending"},
       {"1", "r"}, "", -1},

      // --- repair's DELETE rows ---
      {"deleted_versioned_row_hidden_delete",
       {V("1", "a")},
       {sql(1, "1", "a"), sql(2, "2", "b"), typed(3, "2", "b", "DELETE", 100)},
       "latest", false,
       {"1 Success@1", "2 Deleted@2"},
       {}, "1", -1},
      {"deleted_highest_file_restored_is_pending_again",
       {V("1", "a"), V("2", "b")},
       {sql(1, "1", "a"), sql(2, "2", "b"), typed(3, "2", "b", "DELETE", 100)},
       "latest", false,
       {"1 Success@1", "2 Deleted@2", "2 Pending"},
       {"2"}, "1", -1},
      {"deleted_then_reapplied",
       {V("1", "a"), V("2", "b")},
       {sql(1, "1", "a"), sql(2, "2", "b"), typed(3, "2", "b", "DELETE", 100), sql(4, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Deleted@2", "2 Success@4"},
       {}, "2", -1},
      {"deleted_below_current_file_restored_is_ignored",
       {V("1", "a"), V("2", "b"), V("3", "c")},
       {sql(1, "1", "a"), sql(2, "2", "b"), sql(3, "3", "c"), typed(4, "2", "b", "DELETE", 100)},
       "latest", false,
       {"1 Success@1", "2 Deleted@2", "3 Success@3", "2 Ignored"},
       {}, "3", -1},
      {"delete_matches_other_spelling_of_version",
       {V("1", "a")},
       {sql(1, "1", "a"), sql(2, "2.0", "b"), typed(3, "2", "b", "DELETE", 100)},
       "latest", false,
       {"1 Success@1", "2.0 Deleted@2"},
       {}, "1", -1},
      {"failed_delete_row_is_listed_not_applied",
       {V("1", "a")},
       {sql(1, "1", "a"), sql(2, "2", "b"), typed(3, "2", "b", "DELETE", 100, false)},
       "latest", false,
       {"1 Success@1", "2 Future@2", "2 Success@3"},
       {}, "2", -1},
      {"deleted_repeatable_keeps_delete_row",
       {V("1", "a")},
       {sql(1, "1", "a"), rep(2, "r"), typed(3, std::nullopt, "r", "DELETE", 200)},
       "latest", false,
       {"1 Success@1", "r Deleted@2", "r Success@3"},
       {}, "1", -1},
      {"deleted_repeatable_file_restored_is_pending",
       {R("r", 200)},
       {rep(1, "r"), typed(2, std::nullopt, "r", "DELETE", 200)},
       "latest", false,
       {"r Deleted@1", "r Success@2", "r Pending"},
       {"r"}, "", -1},
      {"delete_row_for_nothing_is_ignored",
       {V("1", "a")},
       {sql(1, "1", "a"), typed(2, "7", "x", "DELETE", 1)},
       "latest", false,
       {"1 Success@1"},
       {}, "1", -1},

      // --- other row types ---
      {"jdbc_spring_jdbc_undo_rows_read",
       {V("1", "a"), V("2", "b"), V("5", "e", 7, "JDBC")},
       {sql(1, "1", "a"), typed(2, "4", "java", "JDBC", 1), typed(3, "5", "e", "SPRING_JDBC", 7),
        typed(4, "2", "b", "UNDO_SQL", 1)},
       "latest", false,
       {"1 Success@1", "4 Missing@2", "5 Success@3", "2 Missing@4", "2 Ignored"},
       {}, "5", -1},
      {"sql_row_does_not_match_file_of_other_type",
       {V("1", "a"), V("2", "b", 1, "JDBC")},
       {sql(1, "1", "a"), sql(2, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Future@2", "2 Pending"},
       {"2"}, "2", -1},

      // --- duplicates and spellings ---
      {"duplicate_successful_rows_second_is_out_of_order",
       {V("1", "a"), V("2", "b")},
       {sql(1, "1", "a"), sql(2, "2", "b"), sql(3, "2", "b")},
       "latest", false,
       {"1 Success@1", "2 Success@2", "2 Out of Order@3"},
       {}, "2", -1},
      {"versions_in_other_spellings_match",
       {V("1_0", "a"), V("1.1", "b"), V("2", "c")},
       {sql(1, "1", "a"), sql(2, "1.1.0", "b"), sql(3, "2.0.0", "c")},
       "latest", false,
       {"1 Success@1", "1.1.0 Success@2", "2.0.0 Success@3"},
       {}, "2.0.0", -1},
      {"leading_zeros_match",
       {V("1.01", "a")},
       {sql(1, "1.1", "a")},
       "latest", false,
       {"1.1 Success@1"},
       {}, "1.1", -1},
      {"numeric_not_text_order",
       {V("2", "b"), V("10", "j"), V("1.10", "x"), V("1.9", "y")},
       {},
       "latest", false,
       {"1.9 Pending", "1.10 Pending", "2 Pending", "10 Pending"},
       {"1.9", "1.10", "2", "10"}, "", -1},
  };
}

INSTANTIATE_TEST_SUITE_P(Flyway, ReconcileCases, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(Reconcile, RowsAreTakenInInstalledRankOrder) {
  std::vector<ResolvedMigration> files{V("1", "a"), V("2", "b"), V("3", "c")};
  std::vector<AppliedMigration> rows{make_row(sql(3, "2", "b")), make_row(sql(1, "1", "a")),
                                     make_row(sql(2, "3", "c"))};
  Outcome o = run(files, rows, {});
  EXPECT_EQ(o.infos, (std::vector<std::string>{"1 Success@1", "3 Success@2", "2 Out of Order@3"}));
}

// Flyway turns failOnMissingTarget on for any plain target version (only a Teams "5?" is lenient).
TEST(Reconcile, TargetVersionThatNamesNoMigrationIsAnError) {
  std::vector<ResolvedMigration> files{V("1", "a"), V("2", "b")};
  ReconcileOptions options;
  options.target = Target::parse("5");
  try {
    reconcile(files, {}, options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("target version 5"), std::string::npos) << e.what();
  }
}

TEST(Reconcile, TargetVersionMayNameAnAppliedRowOrASpellingOfAFile) {
  std::vector<ResolvedMigration> files{V("1", "a"), V("2", "b")};
  std::vector<AppliedMigration> rows{make_row(sql(1, "1", "a")), make_row(sql(2, "1.5", "gone"))};
  ReconcileOptions options;
  options.target = Target::parse("1.5");
  EXPECT_NO_THROW(reconcile(files, rows, options));
  options.target = Target::parse("2.0");
  EXPECT_NO_THROW(reconcile(files, rows, options));
}

TEST(Reconcile, MultipleDeletesForOneRowAreCorruption) {
  std::vector<AppliedMigration> rows{make_row(sql(1, "1", "a")), make_row(typed(2, "1", "a", "DELETE", 100)),
                                     make_row(typed(3, "1", "a", "DELETE", 100))};
  EXPECT_THROW(reconcile({}, rows, {}), ValidationFailed);
}

TEST(Reconcile, InvalidVersionInHistoryIsReported) {
  std::vector<AppliedMigration> rows{make_row(sql(1, "1.x", "a"))};
  try {
    reconcile({}, rows, {});
    FAIL() << "expected ValidationFailed";
  } catch (const ValidationFailed& e) {
    EXPECT_NE(std::string(e.what()).find("1.x"), std::string::npos);
  }
}

// Flyway's MigrationType.fromString throws on a type it does not know. Guessing instead showed the
// row as Missing beside its own file, and repair's DELETE row then had migrate apply it again.
TEST(Reconcile, UnknownRowTypeIsRefusedNamingTheRow) {
  std::vector<ResolvedMigration> files{V("1", "a"), V("2", "b")};
  std::vector<AppliedMigration> rows{make_row(sql(1, "1", "a")), make_row(typed(2, "2", "b", "JDBC_FOO", 100))};
  try {
    reconcile(files, rows, {});
    FAIL() << "expected ValidationFailed";
  } catch (const ValidationFailed& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("installed_rank 2"), std::string::npos) << message;
    EXPECT_NE(message.find("version 2"), std::string::npos) << message;
    EXPECT_NE(message.find("type JDBC_FOO"), std::string::npos) << message;
    EXPECT_NE(message.find("strata does not know"), std::string::npos) << message;
    EXPECT_EQ((message + e.hint).find("strata repair"), std::string::npos) << message << e.hint;
  }
}

TEST(Reconcile, UnknownRowTypeIsRefusedWhateverTheRowSays) {
  // A repeatable, a failed row, and a row a DELETE row hides: each stops reconcile all the same.
  const std::vector<std::vector<RowSpec>> histories{
      {rep(1, "views"), typed(2, std::nullopt, "views", "SCRIPT2", 200)},
      {sql(1, "1", "a"), typed(2, "2", "b", "sql", 100, false)},
      {typed(1, "1", "a", "NEWER", 100), typed(2, "1", "a", "DELETE", 100)}};
  for (const std::vector<RowSpec>& specs : histories) {
    std::vector<AppliedMigration> rows;
    for (const RowSpec& spec : specs) rows.push_back(make_row(spec));
    EXPECT_THROW(reconcile({V("1", "a"), V("2", "b"), R("views")}, rows, {}), ValidationFailed) << specs.back().type;
  }
  try {
    std::vector<AppliedMigration> rows{make_row(typed(7, std::nullopt, "views", "SCRIPT2", 200))};
    reconcile({R("views")}, rows, {});
    FAIL() << "expected ValidationFailed";
  } catch (const ValidationFailed& e) {
    EXPECT_NE(std::string(e.what()).find("installed_rank 7 (repeatable \"views\", type SCRIPT2)"), std::string::npos)
        << e.what();
  }
}

// Every type Flyway writes is read: rows strata cannot run (JDBC, SCRIPT, CUSTOM) still count as
// applied, as they do for Flyway.
TEST(Reconcile, EveryFlywayRowTypeIsRead) {
  for (const char* type : {"SQL_BASELINE", "JDBC_BASELINE", "UNDO_JDBC", "SCRIPT", "SCRIPT_BASELINE", "UNDO_SCRIPT",
                           "CUSTOM", "UNDO_CUSTOM", "UNDO_SPRING_JDBC", "SQL_STATE_SCRIPT", "JDBC_STATE_SCRIPT"}) {
    std::vector<AppliedMigration> rows{make_row(sql(1, "1", "a")), make_row(typed(2, "3", "x", type, 1))};
    Reconciliation rec;
    ASSERT_NO_THROW(rec = reconcile({V("1", "a")}, rows, {})) << type;
    ASSERT_TRUE(rec.current) << type;
    EXPECT_EQ(rec.current->text(), "3") << type;
  }
}

TEST(Reconcile, InfoAccessorsPreferTheHistoryRow) {
  std::vector<ResolvedMigration> files{V("1_0", "file desc"), R("r")};
  AppliedMigration row = make_row(sql(1, "1", "row desc"));
  AppliedMigration spring = make_row(typed(2, "3", "java", "SPRING_JDBC", 1));
  std::vector<AppliedMigration> rows{row, spring};
  Reconciliation rec = reconcile(files, rows, {});
  ASSERT_EQ(rec.infos.size(), 3u);
  const MigrationInfo& applied = rec.infos[0];
  EXPECT_EQ(applied.resolved, &files[0]);
  EXPECT_EQ(applied.applied, &rows[0]);
  EXPECT_EQ(applied.description(), "row desc");
  EXPECT_EQ(applied.version_text(), "1");
  EXPECT_EQ(applied.script(), "V1__row desc.sql");
  EXPECT_TRUE(applied.is_versioned());
  ASSERT_TRUE(applied.version());
  EXPECT_EQ(*applied.version(), *Version::parse("1.0"));
  EXPECT_EQ(rec.infos[1].type(), "JDBC");  // Flyway reads SPRING_JDBC as JDBC
  const MigrationInfo& pending = rec.infos[2];
  EXPECT_EQ(pending.applied, nullptr);
  EXPECT_FALSE(pending.is_versioned());
  EXPECT_EQ(pending.version_text(), "");
  EXPECT_FALSE(pending.version());
  EXPECT_EQ(pending.description(), "r");
  EXPECT_EQ(pending.type(), "SQL");
}

TEST(Reconcile, RepeatablesMatchByDescriptionNotScript) {
  std::vector<ResolvedMigration> files{R("views", 200)};
  files[0].script = "new/place/R__views.sql";
  AppliedMigration row = make_row(rep(1, "views", 200));
  row.script = "old/R__views.sql";
  Reconciliation rec = reconcile(files, {row}, {});
  ASSERT_EQ(rec.infos.size(), 1u);
  EXPECT_EQ(rec.infos[0].state, MigrationState::Success);
  EXPECT_EQ(rec.infos[0].resolved, &files[0]);
  EXPECT_TRUE(rec.pending.empty());
}

TEST(Reconcile, VersionedMatchIgnoresDescriptionAndScript) {
  // Description or script changes are validate's business (mismatch), not a new migration.
  std::vector<ResolvedMigration> files{V("1", "renamed")};
  AppliedMigration row = make_row(sql(1, "1", "original"));
  Reconciliation rec = reconcile(files, {row}, {});
  ASSERT_EQ(rec.infos.size(), 1u);
  EXPECT_EQ(rec.infos[0].state, MigrationState::Success);
  EXPECT_EQ(rec.infos[0].resolved, &files[0]);
}

TEST(Reconcile, FileVersionTextUsesDots) {
  std::vector<ResolvedMigration> files{V("1_2_3", "a")};
  Reconciliation rec = reconcile(files, {}, {});
  ASSERT_EQ(rec.infos.size(), 1u);
  EXPECT_EQ(rec.infos[0].version_text(), "1.2.3");
}

TEST(Reconcile, CurrentKeepsTheHistorySpelling) {
  std::vector<AppliedMigration> rows{make_row(sql(1, "1.0", "a"))};
  std::vector<ResolvedMigration> files{V("1", "a")};
  Reconciliation rec = reconcile(files, rows, {});
  ASSERT_TRUE(rec.current);
  EXPECT_EQ(rec.current->text(), "1.0");
}

TEST(Reconcile, PendingPointsIntoTheInputs) {
  std::vector<ResolvedMigration> files{V("1", "a"), R("r")};
  Reconciliation rec = reconcile(files, {}, {});
  ASSERT_EQ(rec.pending.size(), 2u);
  EXPECT_EQ(rec.pending[0], &files[0]);
  EXPECT_EQ(rec.pending[1], &files[1]);
}

TEST(Reconcile, DuplicateRepeatableDescriptionLastWins) {
  // Flyway keeps repeatables in a map by description; the resolver rejects duplicates first.
  std::vector<ResolvedMigration> files{R("r", 1), R("r", 2)};
  Reconciliation rec = reconcile(files, {}, {});
  ASSERT_EQ(rec.pending.size(), 1u);
  EXPECT_EQ(rec.pending[0], &files[1]);
}

TEST(Reconcile, ThousandsOfMigrationsStayFast) {
  std::vector<ResolvedMigration> files;
  std::vector<AppliedMigration> rows;
  const int n = 5000;
  for (int i = 1; i <= n; ++i) files.push_back(V(std::to_string(i), "m" + std::to_string(i)));
  for (int i = 0; i < 200; ++i) files.push_back(R("r" + std::to_string(i)));
  for (int i = 1; i <= n - 10; ++i) rows.push_back(make_row(sql(i, std::to_string(i), "m" + std::to_string(i))));
  for (int i = 0; i < 200; ++i) rows.push_back(make_row(rep(n + i, "r" + std::to_string(i), i % 2 ? 200 : 1)));
  auto start = std::chrono::steady_clock::now();
  Reconciliation rec = reconcile(files, rows, {});
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(rec.pending.size(), 10u + 100u);
  EXPECT_EQ(rec.infos.size(), rows.size() + 10u + 100u);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

TEST(Target, ParsesKeywordsCaseInsensitively) {
  EXPECT_EQ(Target::parse("latest").kind, Target::Kind::Latest);
  EXPECT_EQ(Target::parse("LATEST").kind, Target::Kind::Latest);
  EXPECT_EQ(Target::parse("9223372036854775807").kind, Target::Kind::Latest);
  EXPECT_EQ(Target::parse("Current").kind, Target::Kind::Current);
  EXPECT_EQ(Target::parse("nExt").kind, Target::Kind::Next);
  Target v = Target::parse("1_2");
  EXPECT_EQ(v.kind, Target::Kind::Version);
  ASSERT_TRUE(v.version);
  EXPECT_EQ(*v.version, *Version::parse("1.2"));
  EXPECT_FALSE(Target::parse("next").version);
}

TEST(Target, RejectsEverythingElse) {
  for (const char* bad : {"", "lates", "v1", "1..2", "-1", " 1", "1.2-beta", "currentx"}) {
    EXPECT_THROW(Target::parse(bad), ConfigError) << bad;
  }
}

TEST(StateName, FlywayDisplayNames) {
  const std::vector<std::pair<MigrationState, std::string>> names{
      {MigrationState::Pending, "Pending"},
      {MigrationState::AboveTarget, "Above Target"},
      {MigrationState::BelowBaseline, "Below Baseline"},
      {MigrationState::BaselineIgnored, "Ignored (Baseline)"},
      {MigrationState::Baseline, "Baseline"},
      {MigrationState::Ignored, "Ignored"},
      {MigrationState::Missing, "Missing"},
      {MigrationState::MissingFailed, "Failed (Missing)"},
      {MigrationState::Success, "Success"},
      {MigrationState::Failed, "Failed"},
      {MigrationState::OutOfOrder, "Out of Order"},
      {MigrationState::Future, "Future"},
      {MigrationState::FutureFailed, "Failed (Future)"},
      {MigrationState::Outdated, "Outdated"},
      {MigrationState::Superseded, "Superseded"},
      {MigrationState::Deleted, "Deleted"},
      {MigrationState::Schema, "Success"},
  };
  for (const auto& [state, name] : names) EXPECT_EQ(state_name(state), name);
}

}  // namespace
}  // namespace strata
