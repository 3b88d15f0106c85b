// A fleet's one answer: exit code by seriousness, the summary table and the JSON document.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "strata/fleet.hpp"

namespace strata {
namespace {

TargetResult result(std::string name, Outcome outcome, int code) {
  TargetResult r;
  r.name = std::move(name);
  r.outcome = outcome;
  r.exit_code = code;
  return r;
}

int worst(std::initializer_list<int> codes) {
  std::vector<TargetResult> results;
  for (int c : codes) results.push_back(result("t", c == 0 ? Outcome::Succeeded : Outcome::Failed, c));
  return fleet_exit_code(results);
}

TEST(FleetExitCode, ZeroOnlyWhenEveryTargetSucceeded) {
  EXPECT_EQ(worst({}), 0);
  EXPECT_EQ(worst({0, 0}), 0);
  EXPECT_EQ(worst({0, 1, 0}), 1);
}

TEST(FleetExitCode, MostSeriousIsInterruptThenConfigThenConnectThenLockThenFailure) {
  EXPECT_EQ(worst({1, 4}), 4);
  EXPECT_EQ(worst({4, 3, 1}), 3);
  EXPECT_EQ(worst({1, 3, 2, 4}), 2);
  EXPECT_EQ(worst({2, 143, 1}), 143);
  EXPECT_EQ(worst({130, 3}), 130);
}

TEST(FleetExitCode, SkippedByFailFastCountsOnlyThroughTheFailure) {
  std::vector<TargetResult> results{result("a", Outcome::Failed, 1), result("b", Outcome::Skipped, 0)};
  EXPECT_EQ(fleet_exit_code(results), 1);
}

std::vector<TargetResult> sample() {
  TargetResult ok = result("tenant_a", Outcome::Succeeded, 0);
  ok.version_before = "";
  ok.version_after = "2";
  ok.duration = std::chrono::milliseconds(1234);
  TargetResult bad = result("tenant_b", Outcome::Failed, 1);
  bad.version_before = "1";
  bad.version_after = "1";
  bad.error = "migration V2__x.sql failed: boom";
  bad.error_kind = "migration_failed";
  TargetResult skipped = result("tenant_c", Outcome::Skipped, 0);
  skipped.skipped_because = "--fail-fast: tenant_b failed";
  return {ok, bad, skipped};
}

TEST(FleetSummary, TableHasARowPerTargetAndTheCounts) {
  const std::string table = summary_table("migrate", sample(), std::chrono::milliseconds(2000));
  EXPECT_EQ(table,
            "TARGET    OUTCOME          BEFORE  AFTER  DURATION    NOTE\n"
            "tenant_a  succeeded        <none>  2      00:01.234s\n"
            "tenant_b  failed (exit 1)  1       1      00:00.000s  migration V2__x.sql failed: boom\n"
            "tenant_c  skipped          -       -      -           --fail-fast: tenant_b failed\n"
            "Fleet migrate: 3 targets, 1 succeeded, 1 failed, 1 skipped (execution time 00:02.000s), exit code 1\n");
}

TEST(FleetSummary, JsonHasAResultPerTarget) {
  const nlohmann::json doc = nlohmann::json::parse(summary_json("migrate", sample(), std::chrono::milliseconds(5), 2));
  EXPECT_EQ(doc.at("exitCode"), 1);
  EXPECT_EQ(doc.at("succeeded"), 1);
  EXPECT_EQ(doc.at("failed"), 1);
  EXPECT_EQ(doc.at("skipped"), 1);
  ASSERT_EQ(doc.at("targets").size(), 3u);
  EXPECT_EQ(doc["targets"][0].at("versionAfter"), "2");
  EXPECT_EQ(doc["targets"][1].at("error").at("kind"), "migration_failed");
  EXPECT_EQ(doc["targets"][1].at("error").at("message"), "migration V2__x.sql failed: boom");
  EXPECT_EQ(doc["targets"][2].at("skippedBecause"), "--fail-fast: tenant_b failed");
  EXPECT_TRUE(doc["targets"][2].at("versionBefore").is_null());
}

}  // namespace
}  // namespace strata
