// strata config: every effective setting with its source, secrets masked, without a database.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace strata::test {
namespace {

// Port 1 on loopback: nothing listens, so a command that tried to connect would fail.
constexpr const char* kUnreachable = "postgresql://app:s3cret@127.0.0.1:1/nope";

TEST(ConfigCommand, ShowsEachSettingWithItsSourceAndNoSecretWithoutConnecting) {
  TempDir dir;
  const auto yaml = dir.write("strata.yaml", std::string("url: ") + kUnreachable +
                                                 "\n"
                                                 "environments:\n"
                                                 "  prod:\n"
                                                 "    lockWaitTimeout: 10m\n"
                                                 "    placeholders:\n"
                                                 "      api_key: k3y\n");
  RunResult r = run_strata({"config", "-c", yaml.string(), "-e", "prod", "-table=hist"},
                           {{"STRATA_SCHEMAS", "app"}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("= 10m   (" + yaml.string() + ": environments.prod, line 4)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("= hist   (command line: -table)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("= app   (environment variable STRATA_SCHEMAS)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("= 1   (default)"), std::string::npos) << r.out;  // baselineVersion
  EXPECT_NE(r.out.find("postgresql://app:***@127.0.0.1:1/nope"), std::string::npos) << r.out;
  EXPECT_EQ(r.all().find("s3cret"), std::string::npos) << r.all();
  EXPECT_EQ(r.all().find("k3y"), std::string::npos) << r.all();
}

TEST(ConfigCommand, JsonOutputIsOneDocument) {
  TempDir dir;
  RunResult r = run_strata({"config", "--url", kUnreachable, "--output", "json", "--lock-wait-timeout", "30s"},
                           {{"FLYWAY_PASSWORD", "pw-from-env"}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["settings"]["lockWaitTimeout"]["value"], "30s");
  EXPECT_EQ(doc["settings"]["lockWaitTimeout"]["kind"], "command line");
  EXPECT_EQ(doc["settings"]["password"]["value"], "***");
  EXPECT_EQ(doc["settings"]["password"]["source"], "environment variable FLYWAY_PASSWORD");
  EXPECT_EQ(doc["settings"]["table"]["kind"], "default");
  EXPECT_EQ(r.all().find("pw-from-env"), std::string::npos) << r.all();
}

TEST(ConfigCommand, BadSettingIsAConfigError) {
  RunResult r = run_strata({"config", "--lock-wait-timeout", "soon"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("lockWaitTimeout"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::test
