// A distinctive password, given every way strata accepts one, never reaches stdout or stderr.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "torture.hpp"

namespace strata::test {
namespace {

const std::string kSecret = "Zq9-torture-SECRET-pa55word";
const std::string kRole = "torture_secret";

// How the password reaches strata: extra arguments, environment, and files written first.
struct PasswordForm {
  std::string name;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
};

std::vector<PasswordForm> forms(const TestDatabase& db, const TempDir& dir, const std::string& user) {
  const std::string hostport = "127.0.0.1:" + server().port;
  const std::string plain = "postgresql://" + user + "@" + hostport + "/" + db.name();
  const std::map<std::string, std::string> no_pgpassword{{"PGPASSWORD", ""}};
  const auto with = [&](std::map<std::string, std::string> env) {
    env["PGPASSWORD"] = "";
    return env;
  };
  dir.write("pgpass", hostport + ":*:" + user + ":" + kSecret + "\n");
  ::chmod((dir.path() / "pgpass").c_str(), 0600);
  dir.write("strata.yaml", "url: " + plain + "\npassword: " + kSecret + "\n");
  dir.write("flyway.conf", "flyway.url=jdbc:postgresql://" + hostport + "/" + db.name() + "\nflyway.user=" + user +
                               "\nflyway.password=" + kSecret + "\n");
  dir.write("flyway.toml", "[flyway]\nurl = \"jdbc:postgresql://" + hostport + "/" + db.name() + "\"\nuser = \"" + user +
                               "\"\npassword = \"" + kSecret + "\"\n");
  const std::string files = dir.path().string();
  return {
      {"URL", {"--url", "postgresql://" + user + ":" + kSecret + "@" + hostport + "/" + db.name()}, no_pgpassword},
      {"--password", {"--url", plain, "--password", kSecret}, no_pgpassword},
      {"PGPASSWORD", {"--url", plain}, {{"PGPASSWORD", kSecret}}},
      {"STRATA_PASSWORD", {"--url", plain}, with({{"STRATA_PASSWORD", kSecret}})},
      {"FLYWAY_PASSWORD", {"--url", plain}, with({{"FLYWAY_PASSWORD", kSecret}})},
      {".pgpass", {"--url", plain}, with({{"PGPASSFILE", files + "/pgpass"}})},
      {"strata.yaml", {"-c", files + "/strata.yaml"}, no_pgpassword},
      {"flyway.conf", {"-configFiles=" + files + "/flyway.conf"}, no_pgpassword},
      {"flyway.toml", {"-configFiles=" + files + "/flyway.toml"}, no_pgpassword},
      {"Flyway -password", {"-url=jdbc:postgresql://" + hostport + "/" + db.name(), "-user=" + user, "-password=" + kSecret},
       no_pgpassword},
      {"JDBC URL property",
       {"-url=jdbc:postgresql://" + hostport + "/" + db.name() + "?user=" + user + "&password=" + kSecret}, no_pgpassword},
  };
}

TEST(TortureSecrets, ThePasswordAppearsNowhereInAnyOutput) {
  TestDatabase db;
  db.session().exec("DROP ROLE IF EXISTS " + kRole);
  db.session().exec("CREATE ROLE " + kRole + " LOGIN SUPERUSER PASSWORD '" + kSecret + "'");
  TempDir dir, config, wrong_config;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  TempDir failing;
  failing.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  failing.write("V2__fails.sql", "SELECT * FROM nowhere;\n");
  const std::vector<std::vector<std::string>> commands = {
      {"migrate", "--locations", dir.path().string()},
      {"info", "--locations", dir.path().string()},
      {"validate", "--locations", dir.path().string()},
      {"repair", "--locations", dir.path().string()},
      {"baseline", "--locations", dir.path().string()},
      {"clean", "--locations", dir.path().string()},  // refused: clean is disabled by default
      {"migrate", "--locations", failing.path().string()},
      {"info", "--locations", dir.path().string(), "--output", "json"},
  };
  const std::vector<std::vector<std::string>> modes = {{}, {"--verbose"}, {"--log-format", "json", "--verbose"}};
  int runs = 0, successes = 0, failures = 0, leaks = 0;
  // The right user (success and failure paths) and a user the password does not belong to.
  for (const std::string& user : {kRole, std::string("postgres")}) {
    for (const PasswordForm& form : forms(db, user == kRole ? config : wrong_config, user)) {
      for (const auto& command : commands) {
        for (const auto& mode : modes) {
          std::vector<std::string> args = command;
          args.insert(args.end(), form.args.begin(), form.args.end());
          args.insert(args.end(), mode.begin(), mode.end());
          const RunResult r = run_strata(args, form.env);
          ++runs;
          (r.exit_code == 0 ? successes : failures) += 1;
          if (r.all().find(kSecret) != std::string::npos) {
            ++leaks;
            ADD_FAILURE() << "password printed (" << form.name << ", user " << user << ", " << command[0] << "):\n"
                          << r.all();
          }
        }
      }
    }
  }
  db.session().exec("DROP OWNED BY " + kRole);
  db.session().exec("DROP ROLE " + kRole);
  EXPECT_GT(successes, 0);
  EXPECT_GT(failures, 0);
  figures("secrets: " + std::to_string(runs) + " runs (11 ways to give the password x 8 commands x 3 output modes x " +
          "right/wrong user; " + std::to_string(successes) + " succeeded, " + std::to_string(failures) + " failed): " +
          std::to_string(leaks) + " printed the password");
}

}  // namespace
}  // namespace strata::test
