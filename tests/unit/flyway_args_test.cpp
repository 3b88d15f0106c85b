// Flyway's invocation forms: single-dash arguments, .conf files as Flyway reads them, and
// flyway.toml as read through toml++ (src/settings/flyway_toml.cpp).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "strata/error.hpp"
#include "strata/flyway_args.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

using Strings = std::vector<std::string>;
using Map = std::map<std::string, std::string>;

// What main declares to CLI11 today.
const std::set<std::string> kDeclared{"url",         "user",   "password", "schemas", "default-schema", "table",
                                      "locations",   "target", "lock-wait-timeout",   "connect-retries",
                                      "connect-retries-interval", "installed-by", "log-format", "output", "config",
                                      "environment", "out-of-order", "quiet", "verbose"};

SplitArgs split(Strings args, const std::set<std::string>& declared = kDeclared) {
  args.insert(args.begin(), "strata");
  return split_flyway_args(args, declared);
}

std::string usage_error(Strings args) {
  try {
    split(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UsageError";
  return {};
}

TEST(SplitFlywayArgs, TheFlywayLineFromTheDocs) {
  SplitArgs s = split({"-url=jdbc:postgresql://h:5432/db", "-user=u", "-password=p", "-locations=filesystem:sql",
                       "-schemas=a,b", "-placeholders.tenant=acme", "-outputType=json", "-X", "migrate"});
  EXPECT_EQ(s.rest, (Strings{"strata", "--verbose", "migrate"}));
  EXPECT_EQ(s.settings, (Map{{"-url", "jdbc:postgresql://h:5432/db"},
                             {"-user", "u"},
                             {"-password", "p"},
                             {"-locations", "filesystem:sql"},
                             {"-schemas", "a,b"},
                             {"-placeholders.tenant", "acme"},
                             {"-outputType", "json"}}));
}

TEST(SplitFlywayArgs, CommandMayComeFirstOrLast) {
  SplitArgs first = split({"migrate", "-url=x", "-q"});
  SplitArgs last = split({"-url=x", "-q", "migrate"});
  EXPECT_EQ(first.rest, (Strings{"strata", "migrate", "--quiet"}));
  EXPECT_EQ(last.rest, (Strings{"strata", "--quiet", "migrate"}));
  EXPECT_EQ(first.settings, last.settings);
}

TEST(SplitFlywayArgs, ValueIsEverythingAfterTheFirstEquals) {
  SplitArgs s = split({"-url=jdbc:postgresql://h/db?sslmode=require&x=y", "-password=a=b=", "-user=", "info"});
  EXPECT_EQ(s.settings.at("-url"), "jdbc:postgresql://h/db?sslmode=require&x=y");
  EXPECT_EQ(s.settings.at("-password"), "a=b=");
  EXPECT_EQ(s.settings.at("-user"), "");
}

TEST(SplitFlywayArgs, StrataOwnFormsPassThrough) {
  Strings args{"migrate", "--url", "postgresql://h/db", "--url=x", "-c", "strata.yaml", "-cother.yaml",
               "-e",      "dev",   "-v",                "--out-of-order", "--help", "--version", "-h"};
  SplitArgs s = split(args);
  Strings expected{"strata"};
  expected.insert(expected.end(), args.begin(), args.end());
  EXPECT_EQ(s.rest, expected);
  EXPECT_TRUE(s.settings.empty());
}

TEST(SplitFlywayArgs, ShortOptionWithEqualsTakesTheValue) {
  EXPECT_EQ(split({"-e=dev", "-c=strata.yaml", "info"}).rest,
            (Strings{"strata", "-e", "dev", "-c", "strata.yaml", "info"}));
}

TEST(SplitFlywayArgs, UndeclaredDoubleDashSettingsBecomeSettings) {
  SplitArgs s = split({"--baseline-on-migrate=true", "--baselineVersion=2", "--placeholder-replacement=false",
                       "--ignore-migration-patterns=*:missing", "--clean-disabled=false", "--placeholders.tenant=acme",
                       "--lock-wait-timeout=5s", "migrate"});
  EXPECT_EQ(s.rest, (Strings{"strata", "--lock-wait-timeout=5s", "migrate"}));
  EXPECT_EQ(s.settings, (Map{{"--baseline-on-migrate", "true"},
                             {"--baselineVersion", "2"},
                             {"--placeholder-replacement", "false"},
                             {"--ignore-migration-patterns", "*:missing"},
                             {"--clean-disabled", "false"},
                             {"--placeholders.tenant", "acme"}}));
}

TEST(SplitFlywayArgs, BareDoubleDashBooleanMeansTrue) {
  SplitArgs s = split({"--baseline-on-migrate", "--out-of-order", "migrate"});
  EXPECT_EQ(s.settings, (Map{{"--baseline-on-migrate", "true"}}));
  EXPECT_EQ(s.rest, (Strings{"strata", "--out-of-order", "migrate"}));
  // A value-taking setting without a value is CLI11's to report.
  EXPECT_EQ(split({"--baseline-version", "2"}).rest, (Strings{"strata", "--baseline-version", "2"}));
}

TEST(SplitFlywayArgs, UnknownDoubleDashIsLeftForCli11) {
  SplitArgs s = split({"--no-such-flag", "--urll=x", "migrate"});
  EXPECT_EQ(s.rest, (Strings{"strata", "--no-such-flag", "--urll=x", "migrate"}));
  EXPECT_TRUE(s.settings.empty());
}

TEST(SplitFlywayArgs, SwitchesWithoutADeclaredFlagBecomeSettings) {
  SplitArgs s = split({"-X", "-q"}, {});
  EXPECT_EQ(s.rest, Strings{"strata"});
  EXPECT_EQ(s.settings, (Map{{"--verbose", "true"}, {"--quiet", "true"}}));
}

TEST(SplitFlywayArgs, FlywaySwitchesThatMeanNothingHereAreDropped) {
  SplitArgs s = split({"-n", "-skipCheckForUpdate", "-communityFallback", "", " ", "-?", "info"});
  EXPECT_EQ(s.rest, (Strings{"strata", "--help", "info"}));
  EXPECT_TRUE(s.settings.empty());
}

TEST(SplitFlywayArgs, BlankArgumentsAreDroppedUnlessTheyAreAValue) {
  EXPECT_EQ(split({"", "-X", " ", "migrate", ""}).rest, (Strings{"strata", "--verbose", "migrate"}));
  EXPECT_EQ(split({"--password", "", "-e", "", "migrate"}).rest,
            (Strings{"strata", "--password", "", "-e", "", "migrate"}));
}

TEST(SplitFlywayArgs, FlywayOnlySettings) {
  SplitArgs s = split({"-configFiles=a.conf,b.conf", "-workingDirectory=/srv/app", "-environment=prod",
                       "-cleanDisabled=false", "-baselineOnMigrate=true", "migrate"});
  EXPECT_EQ(s.settings.at("-configFiles"), "a.conf,b.conf");
  EXPECT_EQ(s.settings.at("-workingDirectory"), "/srv/app");
  EXPECT_EQ(s.settings.at("-environment"), "prod");
  EXPECT_EQ(s.settings.at("-cleanDisabled"), "false");
  EXPECT_EQ(s.settings.at("-baselineOnMigrate"), "true");
}

TEST(SplitFlywayArgs, EverythingAfterDoubleDashIsLeftAlone) {
  SplitArgs s = split({"migrate", "--", "-url=x", "-X"});
  EXPECT_EQ(s.rest, (Strings{"strata", "migrate", "--", "-url=x", "-X"}));
  EXPECT_TRUE(s.settings.empty());
}

TEST(SplitFlywayArgs, UnknownSingleDashSettingNamesTheArgumentButNotItsValue) {
  std::string msg = usage_error({"-urll=jdbc:postgresql://h/db", "migrate"});
  EXPECT_NE(msg.find("-urll"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("jdbc:postgresql"), std::string::npos) << msg;

  msg = usage_error({"-passwrd=Secret-1", "migrate"});
  EXPECT_NE(msg.find("passwrd"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("Secret-1"), std::string::npos) << msg;

  msg = usage_error({"-environments.dev.url=x"});
  EXPECT_NE(msg.find("environments.dev.url"), std::string::npos) << msg;
}

TEST(SplitFlywayArgs, SettingWithoutValueIsAnError) {
  // Left to CLI11, -cleanDisabled would read as "-c leanDisabled".
  std::string msg = usage_error({"-cleanDisabled", "migrate"});
  EXPECT_NE(msg.find("-cleanDisabled=VALUE"), std::string::npos) << msg;
  EXPECT_NE(usage_error({"-url", "=", "x"}).find("-url"), std::string::npos);
}

TEST(SplitFlywayArgs, SameArgumentTwiceIsAnError) {
  std::string msg = usage_error({"-url=a", "-url=b"});
  EXPECT_NE(msg.find("-url"), std::string::npos) << msg;
  EXPECT_NE(msg.find("twice"), std::string::npos) << msg;
  // Different spellings of one setting are config's to report, with both origins.
  EXPECT_EQ(split({"-url=a", "--url=b"}).settings.size(), 1u);
}

TEST(SplitFlywayArgs, EmptyArgv) { EXPECT_TRUE(split_flyway_args({}, {}).rest.empty()); }

TEST(SplitFlywayArgs, HelpLineMentionsTheForms) {
  std::string help(flyway_forms_help());
  EXPECT_NE(help.find("-url="), std::string::npos);
  EXPECT_NE(help.find("-configFiles="), std::string::npos);
  EXPECT_NE(help.find("FLYWAY_"), std::string::npos);
}

// ---- .conf

std::vector<std::pair<std::string, std::string>> pairs(const std::vector<FileEntry>& entries) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries) out.emplace_back(e.key, e.value);
  return out;
}
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(FlywayProperties, SeparatorsCommentsAndWhitespace) {
  auto entries = parse_flyway_properties(
      "# comment\n"
      "! also a comment\n"
      "\n"
      "flyway.url=jdbc:postgresql://h/db?a=b\n"
      "   flyway.user : alice  \n"
      "flyway.table\thistory\n"
      "flyway.schemas = a, b\n"
      "flyway.target\n"
      "\tflyway.locations=filesystem:sql # not a comment\n",
      {});
  EXPECT_EQ(pairs(entries), (Pairs{{"flyway.url", "jdbc:postgresql://h/db?a=b"},
                                   {"flyway.user", "alice"},
                                   {"flyway.table", "history"},
                                   {"flyway.schemas", "a, b"},
                                   {"flyway.target", ""},
                                   {"flyway.locations", "filesystem:sql # not a comment"}}));
  EXPECT_EQ(entries[0].line, 4);
  EXPECT_EQ(entries[5].line, 9);
}

TEST(FlywayProperties, ContinuationLines) {
  auto entries = parse_flyway_properties(
      "flyway.locations=filesystem:a,\\\n"
      "    filesystem:b,\\\n"
      "  filesystem:c\n"
      "flyway.table=t\n",
      {});
  EXPECT_EQ(pairs(entries), (Pairs{{"flyway.locations", "filesystem:a,filesystem:b,filesystem:c"}, {"flyway.table", "t"}}));
  EXPECT_EQ(entries[0].line, 1);
  EXPECT_EQ(entries[1].line, 4);
}

TEST(FlywayProperties, TrailingBackslashStaysBeforeABlankLineOrAnotherProperty) {
  auto entries = parse_flyway_properties(
      "flyway.placeholders.dir=C:\\data\\\n"
      "flyway.placeholders.next=x\n"
      "flyway.placeholders.last=y\\\n"
      "\n"
      "flyway.placeholders.end=z\\",
      {});
  EXPECT_EQ(pairs(entries), (Pairs{{"flyway.placeholders.dir", "C:\\data\\"},
                                   {"flyway.placeholders.next", "x"},
                                   {"flyway.placeholders.last", "y\\"},
                                   {"flyway.placeholders.end", "z\\"}}));
}

TEST(FlywayProperties, BackslashesAreLiteralAsFlywayDoublesThem) {
  auto entries = parse_flyway_properties("flyway.placeholders.a=C:\\new\\table \\u0041 \\\\ \\=\n", {});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value, "C:\\new\\table \\u0041 \\\\ \\=");
}

TEST(FlywayProperties, CommentLinesDoNotContinue) {
  auto entries = parse_flyway_properties("# note \\\nflyway.table=t\n", {});
  EXPECT_EQ(pairs(entries), (Pairs{{"flyway.table", "t"}}));
}

TEST(FlywayProperties, EnvironmentVariablesAreExpanded) {
  auto entries = parse_flyway_properties(
      "flyway.url=jdbc:postgresql://${DB_HOST}:5432/${DB_NAME}\n"
      "flyway.user=${MISSING}x\n"
      "flyway.placeholderPrefix=${\n"
      "flyway.placeholders.p=${not-a-name}\n",
      {{"DB_HOST", "db.internal"}, {"DB_NAME", "app"}});
  EXPECT_EQ(pairs(entries), (Pairs{{"flyway.url", "jdbc:postgresql://db.internal:5432/app"},
                                   {"flyway.user", "x"},
                                   {"flyway.placeholderPrefix", "${"},
                                   {"flyway.placeholders.p", "${not-a-name}"}}));
}

TEST(FlywayProperties, CrlfAndByteOrderMark) {
  auto entries = parse_flyway_properties("\xEF\xBB\xBF" "flyway.url=u\r\nflyway.locations=a,\\\r\n b\r\n", {});
  EXPECT_EQ(pairs(entries), (Pairs{{"flyway.url", "u"}, {"flyway.locations", "a,b"}}));
}

TEST(FlywayProperties, UnicodeIsKeptAsWritten) {
  auto entries = parse_flyway_properties("flyway.placeholders.owner=J\xC3\xBCrgen\n", {});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value, "J\xC3\xBCrgen");
}

// ---- .toml

std::string toml_error(const std::string& text, int* line = nullptr) {
  try {
    parse_flyway_toml(text, "/x/flyway.toml", {});
  } catch (const ConfigError& e) {
    if (line) *line = e.line;
    EXPECT_EQ(e.file, "/x/flyway.toml");
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

TEST(FlywayToml, TablesKeysAndValues) {
  auto entries = parse_flyway_toml(R"(# Flyway Desktop puts its own keys at the top
id = "8a6b"
databaseType = "PostgreSql"

[environments.dev]
url = "jdbc:postgresql://localhost/app"   # trailing comment
user = 'literal \n user'
password = "p\"w\\d\u00e9"
schemas = ["app", "audit"]
connectRetries = 1_0

[flyway]
locations = [
  "filesystem:sql",  # first
  "filesystem:more",
]
outOfOrder = true
jdbcProperties = { ssl = "true", connectTimeout = 5 }

[ flyway . placeholders ]
tenant = "acme"
"quoted key" = "v"
)",
                                   "f.toml", {});
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& e : entries) got.emplace_back(e.key, e.value);
  EXPECT_EQ(got, (Pairs{{"id", "8a6b"},
                        {"databaseType", "PostgreSql"},
                        {"environments.dev.url", "jdbc:postgresql://localhost/app"},
                        {"environments.dev.user", "literal \\n user"},
                        {"environments.dev.password", "p\"w\\d\xC3\xA9"},
                        {"environments.dev.schemas", "app,audit"},
                        {"environments.dev.connectRetries", "10"},
                        {"flyway.locations", "filesystem:sql,filesystem:more"},
                        {"flyway.outOfOrder", "true"},
                        {"flyway.jdbcProperties.ssl", "true"},
                        {"flyway.jdbcProperties.connectTimeout", "5"},
                        {"flyway.placeholders.tenant", "acme"},
                        {"flyway.placeholders.quoted key", "v"}}));
  EXPECT_EQ(entries[2].path, (Strings{"environments", "dev", "url"}));
  EXPECT_EQ(entries[2].line, 6);
  EXPECT_EQ(entries[7].line, 13);
  EXPECT_EQ(entries.back().path, (Strings{"flyway", "placeholders", "quoted key"}));
}

TEST(FlywayToml, MultiLineStrings) {
  auto entries = parse_flyway_toml("[flyway]\n"
                                   "initSql = \"\"\"\nSET a = 1;\n  SET b = \\\n    2;\"\"\"\n"
                                   "baselineDescription = '''\nraw \\n ''text'''''\n"
                                   "table = \"t\"\n",
                                   "f.toml", {});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].value, "SET a = 1;\n  SET b = 2;");
  EXPECT_EQ(entries[1].value, "raw \\n ''text''");
  EXPECT_EQ(entries[2].line, 8);
}

TEST(FlywayToml, EnvironmentResolver) {
  Map env{{"DB_PASSWORD", "s3cret"}, {"DB_HOST", "db"}};
  auto entries = parse_flyway_toml("[environments.prod]\n"
                                   "url = \"jdbc:postgresql://${env.DB_HOST}/app\"\n"
                                   "password = \"${env.DB_PASSWORD}\"\n"
                                   "user = \"!{${env.NOT_RESOLVED}}\"\n"
                                   "[flyway]\n"
                                   "placeholderPrefix = \"${\"\n",
                                   "f.toml", env);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].value, "jdbc:postgresql://db/app");
  EXPECT_EQ(entries[1].value, "s3cret");
  EXPECT_EQ(entries[2].value, "${env.NOT_RESOLVED}");
  EXPECT_EQ(entries[3].value, "${");

  int line = 0;
  std::string msg = toml_error("[flyway]\n\nurl = \"${env.NOPE}\"\n", &line);
  EXPECT_EQ(line, 3);
  EXPECT_NE(msg.find("NOPE"), std::string::npos) << msg;
  msg = toml_error("[flyway]\nurl = \"${vault.secret}\"\n");
  EXPECT_NE(msg.find("vault"), std::string::npos) << msg;
}

TEST(FlywayToml, ErrorsNameFileAndLine) {
  int line = 0;
  std::string msg = toml_error("[flyway]\ntable = \"a\"\ntable = \"b\"\n", &line);
  EXPECT_EQ(line, 3);
  EXPECT_NE(msg.find("/x/flyway.toml:3:9: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("'table'"), std::string::npos) << msg;

  msg = toml_error("[flyway]\n[flyway]\n", &line);
  EXPECT_EQ(line, 2);
  toml_error("[flyway]\ntable = unquoted\n", &line);
  EXPECT_EQ(line, 2);
  toml_error("[flyway]\ntable = \"open\n", &line);
  EXPECT_EQ(line, 2);
  toml_error("[flyway]\nlocations = [\"a\",\n\"b\"\n", &line);
  toml_error("[[environments]]\n", &line);
  EXPECT_EQ(line, 1);
  toml_error("[flyway]\ntable = \"a\" \"b\"\n", &line);
  EXPECT_EQ(line, 2);
  msg = toml_error("when = 1979-05-27\n", &line);
  EXPECT_NE(msg.find("1979-05-27"), std::string::npos) << msg;
  toml_error("[flyway]\ntable =\n", &line);
  EXPECT_EQ(line, 2);
}

}  // namespace
}  // namespace strata
