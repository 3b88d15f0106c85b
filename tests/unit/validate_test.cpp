#include "strata/validate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "strata/error.hpp"
#include "migration_fixtures.hpp"

// Each case pins one rule of Flyway 10's MigrationInfoImpl.validate / ValidatePatternUtils.

namespace strata {
namespace {

using testing::R;
using testing::V;

AppliedMigration row(int rank, std::optional<std::string> version, const std::string& description,
                     std::optional<std::int32_t> checksum = 100, bool success = true, const std::string& type = "SQL") {
  AppliedMigration a;
  a.installed_rank = rank;
  a.version = version;
  a.description = description;
  a.type = type;
  a.script = type == "BASELINE" ? description : version ? "V" + *version + "__" + description + ".sql" : "R__" + description + ".sql";
  a.checksum = checksum;
  a.installed_by = "me";
  a.success = success;
  return a;
}

struct Case {
  std::vector<ResolvedMigration> files;
  std::vector<AppliedMigration> rows;
  ReconcileOptions reconcile;
  std::vector<std::string> ignore{"*:future"};

  std::vector<ValidationProblem> run(bool allow_pending = false) {
    rec = strata::reconcile(files, rows, reconcile);
    ValidateOptions options;
    options.ignore = parse_ignore_patterns(ignore);
    if (allow_pending) options.ignore.push_back(parse_ignore_patterns({"*:pending"}).front());
    return validate_migrations(rec, options);
  }
  Reconciliation rec;
};

TEST(Validate, CleanHistoryHasNoProblems) {
  Case c{{V("1", "init"), V("2", "add"), R("views")}, {row(1, "1", "init"), row(2, "2", "add"), row(3, {}, "views", 200)}};
  EXPECT_TRUE(c.run().empty());
}

TEST(Validate, ChecksumMismatchNamesFileBothChecksumsAndRepair) {
  Case c{{V("1", "init", 555)}, {row(1, "1", "init", 100)}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::ChecksumMismatch);
  EXPECT_EQ(problems[0].file, "sql/V1__init.sql");
  EXPECT_EQ(problems[0].version, "1");
  EXPECT_NE(problems[0].message.find("applied to database 100"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("resolved locally 555"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].fix.find("`strata repair`"), std::string::npos) << problems[0].fix;
  EXPECT_EQ(problems[0].code, "CHECKSUM_MISMATCH");
}

TEST(Validate, NullChecksumInHistoryIsAMismatch) {
  Case c{{V("1", "init", 555)}, {row(1, "1", "init", std::nullopt)}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("applied to database null"), std::string::npos);
}

TEST(Validate, DescriptionMismatch) {
  Case c{{V("1", "initial")}, {row(1, "1", "init")}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::DescriptionMismatch);
  EXPECT_NE(problems[0].message.find("\"init\""), std::string::npos);
  EXPECT_NE(problems[0].message.find("\"initial\""), std::string::npos);
}

TEST(Validate, LongDescriptionComparedShortenedAsStored) {
  const std::string long_description(250, 'd');
  Case c{{V("1", long_description)}, {row(1, "1", long_description.substr(0, 197) + "...")}};
  EXPECT_TRUE(c.run().empty());
}

// Flyway 10 pairs rows with files by (version, type), so a JDBC row never meets an SQL file of the
// same version: the row is Future (tolerated by *:future) and the file is left Pending.
TEST(Validate, RowOfAnotherTypeDoesNotClaimTheFile) {
  Case c{{V("1", "init")}, {row(1, "1", "init", 100, true, "JDBC")}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::Pending);
  EXPECT_EQ(problems[0].file, "sql/V1__init.sql");
  c.ignore = {};
  problems = c.run(true);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::AppliedNotResolved);
}

// The message and hint of the ValidationFailed `c.run` throws, or "no error".
std::string refusal(Case& c, bool allow_pending) {
  try {
    c.run(allow_pending);
  } catch (const ValidationFailed& e) {
    return std::string(e.what()) + "\nhint: " + e.hint;
  }
  return "no error";
}

// A row of a type strata does not know used to be "applied but no such file", with repair as the
// fix; that repair's DELETE row had the next migrate apply the file a second time.
TEST(Validate, UnknownRowTypeStopsValidateNamingTheRowWithoutARepair) {
  Case c{{V("1", "init"), V("2", "add")}, {row(1, "1", "init"), row(2, "2", "add", 100, true, "JDBC_FOO")}};
  for (bool allow_pending : {false, true}) {
    const std::string text = refusal(c, allow_pending);
    EXPECT_NE(text.find("installed_rank 2 (version 2, type JDBC_FOO)"), std::string::npos) << text;
    EXPECT_NE(text.find("strata does not know"), std::string::npos) << text;
    EXPECT_EQ(text.find("no such file"), std::string::npos) << text;
    EXPECT_EQ(text.find("strata repair"), std::string::npos) << text;
  }
}

TEST(Validate, AppliedVersionWithoutFileIsMissingUnlessIgnored) {
  Case c{{V("2", "add")}, {row(1, "1", "init"), row(2, "2", "add")}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::AppliedNotResolved);
  EXPECT_EQ(problems[0].file, "V1__init.sql");
  EXPECT_NE(problems[0].fix.find("mark it as deleted"), std::string::npos);

  c.ignore = {"*:missing"};
  EXPECT_TRUE(c.run().empty());
  c.ignore = {"versioned:missing"};
  EXPECT_TRUE(c.run().empty());
  c.ignore = {"repeatable:missing"};
  EXPECT_EQ(c.run().size(), 1u);
}

TEST(Validate, AppliedRepeatableWithoutFileIsMissing) {
  Case c{{V("1", "init")}, {row(1, "1", "init"), row(2, {}, "views", 200)}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::AppliedNotResolved);
  EXPECT_EQ(problems[0].version, "");
}

TEST(Validate, FutureIsToleratedByDefaultOnly) {
  Case c{{V("1", "init")}, {row(1, "1", "init"), row(2, "2", "newer")}};
  EXPECT_TRUE(c.run().empty());
  c.ignore = {};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::AppliedNotResolved);
}

TEST(Validate, FailedRowIsAProblemWithRepairAsFix) {
  Case c{{V("1", "init"), V("2", "bad")}, {row(1, "1", "init"), row(2, "2", "bad", 100, false)}};
  auto problems = c.run(true);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::FailedMigration);
  EXPECT_NE(problems[0].fix.find("`strata repair`"), std::string::npos);
}

TEST(Validate, FailedFutureRowIsToleratedUnderDefaultPatterns) {
  Case c{{V("1", "init")}, {row(1, "1", "init"), row(2, "2", "gone", 100, false)}};
  EXPECT_TRUE(c.run().empty());
}

TEST(Validate, PendingFailsStandaloneValidateButNotMigrate) {
  Case c{{V("1", "init"), V("2", "add"), R("views")}, {row(1, "1", "init")}};
  auto problems = c.run();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].kind, ProblemKind::Pending);
  EXPECT_EQ(problems[0].version, "2");
  EXPECT_NE(problems[0].fix.find("`strata migrate`"), std::string::npos);
  EXPECT_EQ(problems[1].kind, ProblemKind::Pending);
  EXPECT_TRUE(c.run(true).empty());
  c.ignore = {"*:pending"};
  EXPECT_TRUE(c.run().empty());
  // Flyway's isPendingIgnored: versioned:pending and repeatable:pending together count as *:pending.
  c.ignore = {"versioned:pending", "repeatable:pending"};
  EXPECT_TRUE(c.run().empty());
  c.ignore = {"versioned:pending"};
  EXPECT_EQ(c.run().size(), 1u);
}

TEST(Validate, OutdatedRepeatableFailsStandaloneValidateOnly) {
  Case c{{V("1", "init"), R("views", 999)}, {row(1, "1", "init"), row(2, {}, "views", 200)}};
  auto problems = c.run();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].kind, ProblemKind::Outdated);
  EXPECT_TRUE(c.run(true).empty());
}

TEST(Validate, LowerUnappliedVersionIsIgnoredStateAndFailsUnlessOutOfOrder) {
  Case c{{V("1", "init"), V("1.5", "late"), V("2", "add")}, {row(1, "1", "init"), row(2, "2", "add")}};
  auto problems = c.run(true);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::IgnoredNotApplied);
  EXPECT_EQ(problems[0].version, "1.5");
  EXPECT_NE(problems[0].fix.find("--out-of-order"), std::string::npos);
  c.ignore = {"*:ignored"};
  EXPECT_TRUE(c.run(true).empty());
  c.ignore = {"*:future"};
  c.reconcile.out_of_order = true;
  EXPECT_TRUE(c.run(true).empty());
}

TEST(Validate, BaselineAndBelowBaselineAreFine) {
  Case c{{V("1", "init", 1), V("2", "old", 2), V("3", "new", 3)},
         {row(1, "2", "<< Flyway Baseline >>", std::nullopt, true, "BASELINE"), row(2, "3", "new", 3)}};
  EXPECT_TRUE(c.run().empty());
}

TEST(Validate, MismatchAtOrBelowBaselineIsNotChecked) {
  Case c{{V("2", "changed", 5)}, {row(1, "2", "<< Flyway Baseline >>", std::nullopt, true, "BASELINE")}};
  EXPECT_TRUE(c.run().empty());
}

TEST(Validate, AboveTargetAndDeletedAreSkipped) {
  Case c{{V("1", "init"), V("2", "add")}, {row(1, "1", "init")}};
  c.reconcile.target = Target::parse("1");
  EXPECT_TRUE(c.run().empty());

  Case d{{V("2", "add")}, {row(1, "1", "init"), row(2, "2", "add"), row(3, "1", "init", 100, true, "DELETE")}};
  EXPECT_TRUE(d.run().empty());
}

TEST(Validate, StarStarIgnoresEverything) {
  Case c{{V("1", "init", 5), V("3", "x")}, {row(1, "1", "init", 100), row(2, "2", "gone"), row(3, "4", "f", 1, false)}};
  EXPECT_FALSE(c.run().empty());
  c.ignore = {"*:*"};
  EXPECT_TRUE(c.run().empty());
}

TEST(Validate, CommandArgsGoIntoEveryFix) {
  Case c{{V("1", "init", 5)}, {row(1, "1", "init", 100)}};
  c.rec = reconcile(c.files, c.rows, c.reconcile);
  ValidateOptions options;
  options.command_args = " -e prod";
  auto problems = validate_migrations(c.rec, options);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].fix.find("`strata repair -e prod`"), std::string::npos) << problems[0].fix;
}

TEST(IgnorePatterns, ParseAndReject) {
  auto p = parse_ignore_patterns({"*:future", " Versioned : MISSING ", "repeatable:*"});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].type, "versioned");
  EXPECT_EQ(p[1].state, "missing");
  EXPECT_TRUE(p[1].matches(true, MigrationState::Missing));
  EXPECT_FALSE(p[1].matches(false, MigrationState::Missing));
  EXPECT_FALSE(p[1].matches(true, MigrationState::MissingFailed));  // display name "Failed (Missing)"
  EXPECT_TRUE(p[2].matches(false, MigrationState::Success));
  EXPECT_THROW(parse_ignore_patterns({"future"}), ConfigError);
  EXPECT_THROW(parse_ignore_patterns({"*:future:x"}), ConfigError);
  EXPECT_THROW(parse_ignore_patterns({"all:future"}), ConfigError);
  EXPECT_THROW(parse_ignore_patterns({"*:success"}), ConfigError);
  try {
    parse_ignore_patterns({"*:succes"});
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("*:succes"), std::string::npos);
  }
}

}  // namespace
}  // namespace strata
