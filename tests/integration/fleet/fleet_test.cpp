// Fleets on the real server: one strata.yaml environment naming many databases, migrated in
// parallel with one summary, one JSON document and one exit code.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.hpp"

namespace strata::test {
namespace {

using Fleet = std::vector<std::unique_ptr<TestDatabase>>;

Fleet make_fleet(std::size_t n) {
  Fleet fleet;
  for (std::size_t i = 0; i < n; ++i) fleet.push_back(std::make_unique<TestDatabase>());
  return fleet;
}

// strata.yaml with environment `fleet` naming `urls` (each "URL" or "name: URL" as written).
std::string write_config(const TempDir& dir, const std::vector<std::string>& target_lines,
                         const std::string& extra = "") {
  std::string yaml = "locations: [" + (dir.path() / "sql").string() + "]\nenvironments:\n  fleet:\n" + extra;
  if (!target_lines.empty()) {
    yaml += "    targets:\n";
    for (const std::string& line : target_lines) yaml += "      - " + line + "\n";
  }
  return dir.write("strata.yaml", yaml).string();
}

std::vector<std::string> urls_of(const Fleet& fleet) {
  std::vector<std::string> urls;
  for (const auto& db : fleet) urls.push_back(db->url());
  return urls;
}

std::string versions(TestDatabase& db) {
  if (db.scalar("SELECT to_regclass('flyway_schema_history') IS NULL") == "t") return "<no history>";
  return db.scalar("SELECT coalesce(string_agg(version, ',' ORDER BY installed_rank), '') FROM flyway_schema_history WHERE success");
}

nlohmann::json target_named(const nlohmann::json& doc, const std::string& name) {
  for (const auto& t : doc.at("targets"))
    if (t.at("name") == name) return t;
  ADD_FAILURE() << "no target " << name << " in " << doc.dump();
  return {};
}

// The first line of `text` that starts with `start`, or empty.
std::string line_starting(const std::string& text, const std::string& start) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (line.starts_with(start)) return line;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

void write_two_migrations(const TempDir& dir) {
  dir.write("sql/V1__base.sql", "CREATE TABLE base (id int);\n");
  dir.write("sql/V2__side.sql", "CREATE SCHEMA IF NOT EXISTS side;\nCREATE TABLE side.clash (id int);\n");
}

TEST(Fleet, OneFailingTargetOfTwentyLeavesTheOthersMigrated) {
  Fleet fleet = make_fleet(20);
  TestDatabase& bad = *fleet[7];
  bad.query("CREATE SCHEMA side");
  bad.query("CREATE TABLE side.clash (id int)");
  TempDir dir;
  write_two_migrations(dir);
  const std::string config = write_config(dir, urls_of(fleet));

  RunResult r = run_strata({"migrate", "-c", config, "-e", "fleet", "--parallel", "4"});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  for (std::size_t i = 0; i < fleet.size(); ++i) EXPECT_EQ(versions(*fleet[i]), i == 7 ? "1" : "1,2") << fleet[i]->name();
  EXPECT_EQ(bad.advisory_locks(), "0");
  // The summary names the failing target with its error; log lines carry the target's name.
  const std::string row = line_starting(r.out, bad.name() + " ");
  EXPECT_NE(row.find("failed (exit 1)"), std::string::npos) << r.out;
  EXPECT_NE(row.find("relation \"clash\" already exists"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20 targets, 19 succeeded, 1 failed, 0 skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[" + bad.name() + "] ERROR: "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("[" + fleet[0]->name() + "] Successfully applied 2 migrations"), std::string::npos) << r.out;

  RunResult again = run_strata({"migrate", "-c", config, "-e", "fleet", "--output", "json"});
  EXPECT_EQ(again.exit_code, 1) << again.all();
  const nlohmann::json doc = nlohmann::json::parse(again.out);
  EXPECT_EQ(doc.at("exitCode"), 1);
  EXPECT_EQ(doc.at("succeeded"), 19);
  const nlohmann::json failed = target_named(doc, bad.name());
  EXPECT_EQ(failed.at("outcome"), "failed");
  EXPECT_EQ(failed.at("versionBefore"), "1");
  EXPECT_EQ(failed.at("versionAfter"), "1");
  EXPECT_NE(failed.at("error").at("message").get<std::string>().find("already exists"), std::string::npos) << doc.dump();
  EXPECT_EQ(target_named(doc, fleet[0]->name()).at("versionAfter"), "2");
}

TEST(Fleet, FailFastStartsNoFurtherTarget) {
  Fleet fleet = make_fleet(4);
  fleet[0]->query("CREATE SCHEMA side");
  fleet[0]->query("CREATE TABLE side.clash (id int)");
  TempDir dir;
  write_two_migrations(dir);
  const std::string config = write_config(dir, urls_of(fleet));

  RunResult r = run_strata({"migrate", "-c", config, "-e", "fleet", "--parallel", "1", "--fail-fast"});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(versions(*fleet[0]), "1");
  for (std::size_t i = 1; i < fleet.size(); ++i) EXPECT_EQ(versions(*fleet[i]), "<no history>");
  EXPECT_NE(r.out.find("--fail-fast: " + fleet[0]->name() + " failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 targets, 0 succeeded, 1 failed, 3 skipped"), std::string::npos) << r.out;
}

TEST(Fleet, TargetsQueryFindsTheDatabases) {
  Fleet fleet = make_fleet(3);
  TempDir dir;
  write_two_migrations(dir);
  const std::string prefix = fleet[0]->name().substr(0, fleet[0]->name().rfind('_') + 1);
  const std::string config = write_config(
      dir, {}, "    url: " + fleet[0]->url() + "\n    targets_query: SELECT datname FROM pg_database WHERE datname LIKE '" +
                   prefix + "%' ORDER BY 1\n");

  RunResult r = run_strata({"migrate", "-c", config, "-e", "fleet"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  for (const auto& db : fleet) EXPECT_EQ(versions(*db), "1,2") << db->name();

  RunResult info = run_strata({"info", "-c", config, "-e", "fleet", "--output", "json"});
  EXPECT_EQ(info.exit_code, 0) << info.all();
  const nlohmann::json doc = nlohmann::json::parse(info.out);
  ASSERT_EQ(doc.at("targets").size(), 3u) << doc.dump();
  for (const auto& db : fleet) {
    EXPECT_EQ(target_named(doc, db->name()).at("versionAfter"), "2");
    EXPECT_EQ(target_named(doc, db->name()).at("pending"), 0);
  }
  RunResult rows = run_strata({"info", "-c", config, "-e", "fleet", "--summary"});
  EXPECT_EQ(rows.exit_code, 0) << rows.all();
  EXPECT_NE(line_starting(rows.out, fleet[1]->name() + " ").find("0 pending"), std::string::npos) << rows.out;
  RunResult tables = run_strata({"info", "-c", config, "-e", "fleet"});
  EXPECT_EQ(tables.exit_code, 0) << tables.all();
  EXPECT_NE(tables.out.find("Target " + fleet[2]->name() + " ("), std::string::npos) << tables.out;
}

TEST(Fleet, ShardsCoverEveryTargetExactlyOnce) {
  Fleet fleet = make_fleet(7);
  TempDir dir;
  write_two_migrations(dir);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < fleet.size(); ++i) lines.push_back("{name: tenant_" + std::to_string(i) + ", url: '" + fleet[i]->url() + "'}");
  const std::string config = write_config(dir, lines);

  std::multiset<std::string> seen;
  std::string outputs;
  for (const char* shard : {"1/3", "2/3", "3/3"}) {
    RunResult r = run_strata({"migrate", "-c", config, "-e", "fleet", "--shard", shard, "--output", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.all();
    outputs += r.all();
    const nlohmann::json doc = nlohmann::json::parse(r.out);
    for (const auto& t : doc.at("targets")) seen.insert(t.at("name").get<std::string>());
  }
  ASSERT_EQ(seen.size(), fleet.size()) << outputs;
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_EQ(seen.count("tenant_" + std::to_string(i)), 1u);
    EXPECT_EQ(versions(*fleet[i]), "1,2");
  }
}

TEST(Fleet, TargetFilterPicksByName) {
  Fleet fleet = make_fleet(3);
  TempDir dir;
  write_two_migrations(dir);
  const std::string config = write_config(
      dir, {"{name: eu_a, url: '" + fleet[0]->url() + "'}", "{name: eu_b, url: '" + fleet[1]->url() + "'}",
            "{name: us_a, url: '" + fleet[2]->url() + "'}"});
  RunResult r = run_strata({"migrate", "-c", config, "-e", "fleet", "--target-filter", "eu_*"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(versions(*fleet[0]), "1,2");
  EXPECT_EQ(versions(*fleet[1]), "1,2");
  EXPECT_EQ(versions(*fleet[2]), "<no history>");
  RunResult none = run_strata({"migrate", "-c", config, "-e", "fleet", "--target-filter", "ap_*"});
  EXPECT_EQ(none.exit_code, 2) << none.all();
}

TEST(Fleet, UnreachableTargetIsAConnectFailure) {
  Fleet fleet = make_fleet(2);
  TempDir dir;
  write_two_migrations(dir);
  std::vector<std::string> lines = urls_of(fleet);
  lines.push_back("{name: down, url: 'postgresql://" + server().user + "@127.0.0.1:1/down?connect_timeout=2'}");
  const std::string config = write_config(dir, lines);

  RunResult r = run_strata({"migrate", "-c", config, "-e", "fleet", "--output", "json"});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(target_named(doc, "down").at("exitCode"), 3);
  EXPECT_EQ(target_named(doc, "down").at("error").at("kind"), "connect");
  for (const auto& db : fleet) {
    EXPECT_EQ(target_named(doc, db->name()).at("outcome"), "succeeded");
    EXPECT_EQ(versions(*db), "1,2");
  }
}

TEST(Fleet, ValidateNamesTheTargetThatDriftedAndRepairRealignsIt) {
  Fleet fleet = make_fleet(3);
  TempDir dir;
  write_two_migrations(dir);
  const std::string config = write_config(dir, urls_of(fleet));
  ASSERT_EQ(run_strata({"migrate", "-c", config, "-e", "fleet"}).exit_code, 0);
  fleet[1]->query("UPDATE flyway_schema_history SET checksum = 12345 WHERE version = '1'");

  RunResult validate = run_strata({"validate", "-c", config, "-e", "fleet", "--output", "json"});
  EXPECT_EQ(validate.exit_code, 1) << validate.all();
  const nlohmann::json doc = nlohmann::json::parse(validate.out);
  EXPECT_EQ(target_named(doc, fleet[1]->name()).at("outcome"), "failed");
  EXPECT_EQ(target_named(doc, fleet[0]->name()).at("outcome"), "succeeded");
  // The fix names the target, so that it repairs that one only.
  EXPECT_NE(validate.err.find("--target-filter '" + fleet[1]->name() + "'"), std::string::npos) << validate.err;

  RunResult repair = run_strata({"repair", "-c", config, "-e", "fleet", "--target-filter", fleet[1]->name()});
  EXPECT_EQ(repair.exit_code, 0) << repair.all();
  EXPECT_EQ(run_strata({"validate", "-c", config, "-e", "fleet"}).exit_code, 0);
}

// Only this fleet's databases count: ctest runs the two SIGTERM cases side by side.
std::string sleeping_count(const Fleet& fleet) {
  ConnectionSettings admin{"host=" + server().socket_dir + " port=" + server().port + " user=" + server().user +
                               " dbname=postgres",
                           "admin"};
  Session s(admin);
  std::string names = "{";
  for (const auto& db : fleet) names += (names.size() > 1 ? "," : "") + db->name();
  names += "}";
  return s.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%strata_fleet_slow%' "
                 "AND pid <> pg_backend_pid() AND datname = ANY($1::text[])",
                 {names})[0][0].value_or("");
}

// Four targets, `parallel` at a time, each stuck in V2's sleep when SIGTERM arrives: the running
// ones roll back V2 and release their locks, the others never start.
void sigterm_during_fleet(std::size_t parallel) {
  Fleet fleet = make_fleet(4);
  TempDir dir, logs;
  dir.write("sql/V1__base.sql", "CREATE TABLE base (id int);\n");
  dir.write("sql/V2__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60) AS strata_fleet_slow;\n");
  const std::string config = write_config(dir, urls_of(fleet));
  const int pid = spawn_strata({"migrate", "-c", config, "-e", "fleet", "--parallel", std::to_string(parallel)},
                               logs.path() / "out");
  const std::string running = std::to_string(parallel);
  for (int i = 0; i < 200 && sleeping_count(fleet) != running; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(sleeping_count(fleet), running) << read_file(logs.path() / "out");
  kill(pid, SIGTERM);
  const int code = wait_exit(pid);
  const std::string out = read_file(logs.path() / "out");
  EXPECT_EQ(code, 143) << out;
  EXPECT_EQ(sleeping_count(fleet), "0");
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    TestDatabase& db = *fleet[i];
    EXPECT_EQ(versions(db), i < parallel ? "1" : "<no history>") << db.name();
    EXPECT_EQ(db.scalar("SELECT to_regclass('slow') IS NULL"), "t");
    EXPECT_EQ(db.advisory_locks(), "0");
  }
  EXPECT_NE(out.find("4 targets, 0 succeeded, " + running + " failed, " + std::to_string(4 - parallel) + " skipped"),
            std::string::npos)
      << out;
}

TEST(Fleet, SigtermCancelsEveryRunningTarget) { sigterm_during_fleet(4); }

TEST(Fleet, SigtermStartsNoFurtherTarget) { sigterm_during_fleet(2); }

}  // namespace
}  // namespace strata::test
