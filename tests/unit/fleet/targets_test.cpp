// Which targets a fleet command runs on: strata.yaml's targets, --target-filter and --shard.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "strata/error.hpp"
#include "strata/fleet.hpp"
#include "../temp_dir.hpp"

namespace strata {
namespace {

Config fleet_config(const std::string& targets) {
  Config config;
  config.settings["targets"] = targets;
  return config;
}

std::vector<std::string> names(const std::vector<FleetTarget>& targets) {
  std::vector<std::string> out;
  for (const FleetTarget& t : targets) out.push_back(t.name);
  return out;
}

TEST(FleetTargets, ListLinesAreUrlsOrNameTabUrl) {
  const std::vector<TargetSpec> specs =
      parse_target_list("postgresql://h/a\n\n  eu\tpostgresql://h1,h2/b?sslmode=require \n");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "");
  EXPECT_EQ(specs[0].url, "postgresql://h/a");
  EXPECT_EQ(specs[1].name, "eu");
  EXPECT_EQ(specs[1].url, "postgresql://h1,h2/b?sslmode=require");
  EXPECT_EQ(parse_target_list(format_target_list(specs)).size(), 2u);
  EXPECT_EQ(format_target_list(specs), "postgresql://h/a\neu\tpostgresql://h1,h2/b?sslmode=require");
}

TEST(FleetTargets, YamlTakesUrlsAndNameUrlMaps) {
  test::TempDir dir;
  ConfigFile file = read_yaml_file(dir.write("strata.yaml",
                                             "environments:\n  tenants:\n    targets:\n"
                                             "      - postgresql://db/tenant_a\n"
                                             "      - {name: b, url: 'postgresql://db/tenant_b'}\n"
                                             "    targets_query: SELECT datname FROM pg_database\n"));
  const Layer& env = file.environments.at("tenants");
  EXPECT_EQ(env.at("targets").value, "postgresql://db/tenant_a\nb\tpostgresql://db/tenant_b");
  EXPECT_EQ(env.at("targetsQuery").value, "SELECT datname FROM pg_database");
}

TEST(FleetTargets, YamlRejectsATargetWithoutUrlNamingTheLine) {
  test::TempDir dir;
  const auto path = dir.write("strata.yaml", "environments:\n  t:\n    targets:\n      - {name: a, host: x}\n");
  try {
    read_yaml_file(path);
    FAIL() << "accepted a target without url";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line, 4);
    EXPECT_NE(std::string(e.what()).find("each target is a URL or a map with url"), std::string::npos) << e.what();
  }
}

TEST(FleetTargets, NamesDefaultToTheDatabaseName) {
  const std::vector<FleetTarget> targets =
      fleet_targets(fleet_config("postgresql://u@h:5432/tenant_a\nbeta\tpostgresql://u@h:5432/tenant_b"));
  EXPECT_EQ(names(targets), (std::vector<std::string>{"tenant_a", "beta"}));
  EXPECT_EQ(targets[1].connection.display, "postgresql://u@h:5432/tenant_b");
}

TEST(FleetTargets, TwoTargetsWithOneNameAreAConfigError) {
  EXPECT_THROW(fleet_targets(fleet_config("postgresql://u@h/a\npostgresql://u@other/a")), ConfigError);
}

TEST(FleetTargets, IsFleetOnlyWithTargetsOrQuery) {
  EXPECT_FALSE(is_fleet(Config{}));
  EXPECT_TRUE(is_fleet(fleet_config("postgresql://h/a")));
  Config query;
  query.settings["targetsQuery"] = "SELECT 'a'";
  EXPECT_TRUE(is_fleet(query));
}

TEST(FleetTargets, FilterIsAGlobOnTheName) {
  const std::vector<FleetTarget> all =
      fleet_targets(fleet_config("postgresql://h/tenant_a\npostgresql://h/tenant_b\npostgresql://h/admin"));
  EXPECT_EQ(names(filter_targets(all, "tenant_*")), (std::vector<std::string>{"tenant_a", "tenant_b"}));
  EXPECT_EQ(names(filter_targets(all, "")).size(), 3u);
  EXPECT_TRUE(filter_targets(all, "x*").empty());
}

TEST(FleetShard, ParsesOneBasedIndexOfCount) {
  const Shard s = parse_shard(" 2/3 ");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 3u);
  for (const char* bad : {"0/3", "4/3", "1/0", "1", "a/b", "1/3x", "/3", ""}) EXPECT_THROW(parse_shard(bad), UsageError) << bad;
}

TEST(FleetShard, HashIsFnv1a64) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ULL);
}

TEST(FleetShard, ShardsCoverEveryNameExactlyOnce) {
  std::string list;
  for (int i = 0; i < 100; ++i) list += "postgresql://h/tenant_" + std::to_string(i) + "\n";
  const std::vector<FleetTarget> all = fleet_targets(fleet_config(list));
  std::multiset<std::string> seen;
  for (std::uint64_t i = 1; i <= 3; ++i) {
    const std::vector<FleetTarget> shard = shard_targets(all, Shard{i, 3});
    EXPECT_GT(shard.size(), 20u);  // FNV spreads 100 names roughly evenly
    for (const FleetTarget& t : shard) seen.insert(t.name);
  }
  EXPECT_EQ(seen.size(), 100u);
  for (const FleetTarget& t : all) EXPECT_EQ(seen.count(t.name), 1u) << t.name;
  EXPECT_EQ(shard_targets(all, Shard{1, 1}).size(), 100u);
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

TEST(FleetTargets, StrataConfigMasksThePasswordsOfTargetUrls) {
  const std::string shown = masked_value("targets", "postgresql://u:s3cret@h/a\nb\tpostgresql://u:other@h/b");
  EXPECT_EQ(shown.find("s3cret"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("other"), std::string::npos) << shown;
  EXPECT_NE(shown.find("b\tpostgresql://u:***@h/b"), std::string::npos) << shown;
}

}  // namespace
}  // namespace strata
