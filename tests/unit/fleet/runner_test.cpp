// The fleet's runner without a database: parallelism, isolation of failures, --fail-fast, and the
// target's name on every log line of its thread.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../capture.hpp"
#include "strata/error.hpp"
#include "strata/fleet_runner.hpp"
#include "strata/log.hpp"

namespace strata {
namespace {

std::vector<FleetTarget> targets(int n) {
  std::vector<FleetTarget> out;
  for (int i = 0; i < n; ++i) out.push_back({"t" + std::to_string(i), {"dbname=t" + std::to_string(i), "db/t" + std::to_string(i)}});
  return out;
}

TEST(FleetRunner, RunsTargetsConcurrentlyUpToParallel) {
  std::atomic<int> running{0}, peak{0};
  FleetRunOptions options;
  options.parallel = 3;
  const auto results = run_targets(Config{}, targets(9), options, [&](const Config&, TargetResult&) {
    const int now = ++running;
    for (int p = peak; now > p && !peak.compare_exchange_weak(p, now);) {}
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    --running;
    return 0;
  });
  EXPECT_EQ(peak.load(), 3);
  for (const auto& r : results) EXPECT_EQ(r.outcome, Outcome::Succeeded);
}

TEST(FleetRunner, AFailureNeverStopsTheOthersAndKeepsItsCode) {
  test::Capture err(STDERR_FILENO);
  const auto results = run_targets(Config{}, targets(4), {2, false}, [](const Config& c, TargetResult&) -> int {
    if (c.connection.conninfo == "dbname=t1") throw ConnectError("cannot reach t1");
    return 0;
  });
  const std::string logged = err.finish();
  EXPECT_EQ(results[1].outcome, Outcome::Failed);
  EXPECT_EQ(results[1].exit_code, 3);
  EXPECT_EQ(results[1].error_kind, "connect");
  EXPECT_EQ(results[1].error, "cannot reach t1");
  EXPECT_EQ(results[3].outcome, Outcome::Succeeded);
  EXPECT_NE(logged.find("[t1] ERROR: cannot reach t1"), std::string::npos) << logged;
}

TEST(FleetRunner, FailFastSkipsTheTargetsNotStarted) {
  test::Capture err(STDERR_FILENO);
  const auto results = run_targets(Config{}, targets(3), {1, true}, [](const Config& c, TargetResult&) -> int {
    if (c.connection.conninfo == "dbname=t0") throw MigrationFailed("boom");
    return 0;
  });
  EXPECT_EQ(results[0].outcome, Outcome::Failed);
  EXPECT_EQ(results[1].outcome, Outcome::Skipped);
  EXPECT_EQ(results[2].skipped_because, "--fail-fast: t0 failed");
}

TEST(FleetRunner, EachTargetGetsItsConnectionTextOutputAndNamedSuggestions) {
  Config base;
  base.output = OutputFormat::Json;
  base.command_args = " -e prod";
  const Config c = target_config(base, {"it's", {"dbname=x", "db/x"}});
  EXPECT_EQ(c.connection.conninfo, "dbname=x");
  EXPECT_EQ(c.output, OutputFormat::Text);
  EXPECT_EQ(c.command_args, " -e prod --target-filter 'it'\\''s'");
}

TEST(FleetLog, TargetScopeNamesEveryLineOfItsThread) {
  log::configure(log::Format::Text, log::Verbosity::Normal);
  test::Capture out(STDOUT_FILENO);
  {
    const log::TargetScope scope("tenant_a");
    log::info("hello");
    std::thread([] { log::info("other thread"); }).join();
  }
  log::info("after");
  log::configure(log::Format::Json, log::Verbosity::Normal);
  {
    const log::TargetScope scope("tenant_b");
    log::info("json");
  }
  log::configure(log::Format::Text, log::Verbosity::Normal);
  const std::string text = out.finish();
  EXPECT_NE(text.find("[tenant_a] hello\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nother thread\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nafter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"level\":\"info\",\"target\":\"tenant_b\",\"msg\":\"json\""), std::string::npos) << text;
}

}  // namespace
}  // namespace strata
