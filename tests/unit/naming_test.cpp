#include "strata/naming.hpp"

#include <gtest/gtest.h>

#include <string>

#include "strata/error.hpp"

using strata::InputError;
using strata::MigrationKind;
using strata::NamingRules;
using strata::parse_migration_name;
using strata::Version;

namespace {

// The InputError parse_migration_name throws for `name`; fails the test when it does not throw.
InputError error_for(const std::string& name, const NamingRules& rules = {}) {
  try {
    parse_migration_name(name, rules);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << name << " did not throw";
  return InputError("");
}

}  // namespace

TEST(Naming, Versioned) {
  auto n = parse_migration_name("V1__init.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, MigrationKind::Versioned);
  ASSERT_TRUE(n->version);
  EXPECT_EQ(n->version->text(), "1");
  EXPECT_EQ(n->description, "init");

  n = parse_migration_name("V2.3.4__Add_user_table.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "2.3.4");
  EXPECT_EQ(n->description, "Add user table");
}

TEST(Naming, UnderscoresInTheVersionAreDots) {
  auto n = parse_migration_name("V1_1__x.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "1.1");
  EXPECT_EQ(*n->version, *Version::parse("1.1"));
  EXPECT_EQ(n->description, "x");

  n = parse_migration_name("V20240101_1200__stamp.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "20240101.1200");
}

TEST(Naming, Repeatable) {
  auto n = parse_migration_name("R__refresh_views.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, MigrationKind::Repeatable);
  EXPECT_FALSE(n->version);
  EXPECT_EQ(n->description, "refresh views");
}

TEST(Naming, DescriptionFollowsFlyway) {
  // ResourceNameParser splits at the FIRST separator and turns every '_' of the rest into ' '.
  EXPECT_EQ(parse_migration_name("V1___x.sql")->description, " x");
  EXPECT_EQ(parse_migration_name("V1__a__b.sql")->description, "a  b");
  EXPECT_EQ(parse_migration_name("V1__trailing_.sql")->description, "trailing ");
  EXPECT_EQ(parse_migration_name("R___lead.sql")->description, " lead");
  EXPECT_EQ(parse_migration_name("V1__a b-c.d.sql")->description, "a b-c.d");
  EXPECT_EQ(parse_migration_name("V1__caf\xc3\xa9.sql")->description, "caf\xc3\xa9");
  // Only the last suffix is the suffix.
  EXPECT_EQ(parse_migration_name("V1__x.sql.sql")->description, "x.sql");
}

TEST(Naming, EmptyDescriptionIsAllowedLikeFlyway) {
  // Flyway accepts both: ResourceName.getFilename() rebuilds "V1.sql" for an empty description.
  auto n = parse_migration_name("V1__.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "1");
  EXPECT_EQ(n->description, "");
  n = parse_migration_name("V1.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "1");
  EXPECT_EQ(n->description, "");
  n = parse_migration_name("V1_2.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "1.2");
  n = parse_migration_name("R__.sql");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, MigrationKind::Repeatable);
  EXPECT_EQ(n->description, "");
}

TEST(Naming, SuffixIsCaseInsensitivePrefixIsNot) {
  // StringUtils.startsAndEndsWith upper-cases name and suffix; the prefix test is startsWith.
  auto n = parse_migration_name("V1__x.SQL");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->description, "x");
  EXPECT_TRUE(parse_migration_name("R__x.Sql"));
  EXPECT_FALSE(parse_migration_name("v1__x.sql"));
  EXPECT_FALSE(parse_migration_name("r__x.sql"));
}

TEST(Naming, NonMigrationsAreIgnored) {
  for (const char* name :
       {"beforeMigrate.sql", "afterMigrate__x.sql", "afterEachMigrate.sql", "README.md", "Readme.md",
        "V1__x.sql.conf", "R__x.sql.conf", "V1__x.txt", "V1__x.sq", "V1__x", "notes.sql", "x.sql", ".V1__x.sql",
        "_V1__x.sql", "U1__undo.sql", "flyway.conf", "", "V", "R", ".sql"}) {
    EXPECT_FALSE(parse_migration_name(name)) << name;
  }
}

TEST(Naming, MalformedMigrationNamesAreErrors) {
  for (const char* name : {"V1_init.sql", "Vabc__x.sql", "R_x.sql", "V__x.sql", "V.sql", "R.sql", "V1..2__x.sql",
                           "V1.__x.sql", "V.1__x.sql", "V-1__x.sql", "V1a__x.sql", "V 1__x.sql", "R1__x.sql",
                           "README.sql", "Rollback.sql", "Version_notes.sql", "V1__x\xff.sql"}) {
    InputError e = error_for(name);
    EXPECT_EQ(e.kind(), strata::ErrorKind::Input) << name;
    EXPECT_EQ(e.file, name);
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected"), std::string::npos) << msg;
  }
}

TEST(Naming, ErrorMessagesSayWhatIsWrongAndShowTheForm) {
  std::string msg = error_for("V1_init.sql").what();
  EXPECT_NE(msg.find("\"V1_init.sql\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"1_init\" is not a version"), std::string::npos) << msg;
  EXPECT_NE(msg.find("V<version>__<description>.sql"), std::string::npos) << msg;
  EXPECT_NE(msg.find("e.g. V1__init.sql"), std::string::npos) << msg;

  msg = error_for("Vabc__x.sql").what();
  EXPECT_NE(msg.find("\"abc\" is not a version"), std::string::npos) << msg;
  EXPECT_NE(msg.find("e.g. V1__x.sql"), std::string::npos) << msg;

  msg = error_for("V__x.sql").what();
  EXPECT_NE(msg.find("no version"), std::string::npos) << msg;
  EXPECT_NE(msg.find("e.g. V1__x.sql"), std::string::npos) << msg;

  msg = error_for("R_x.sql").what();
  EXPECT_NE(msg.find("repeatable migration has no version"), std::string::npos) << msg;
  EXPECT_NE(msg.find("R__<description>.sql"), std::string::npos) << msg;
  EXPECT_NE(msg.find("e.g. R__x.sql"), std::string::npos) << msg;

  msg = error_for("README.sql").what();
  EXPECT_NE(msg.find("R__<description>.sql"), std::string::npos) << msg;
  EXPECT_FALSE(error_for("README.sql").hint.empty());
}

TEST(Naming, CustomRules) {
  NamingRules rules;
  rules.versioned_prefix = "M";
  rules.repeatable_prefix = "RM";
  rules.separator = "-";
  rules.suffixes = {".psql", ".sql"};
  auto n = parse_migration_name("M1.2-add_x.psql", rules);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->version->text(), "1.2");
  EXPECT_EQ(n->description, "add x");
  n = parse_migration_name("RM-view.sql", rules);  // the longer prefix wins over "M"
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, MigrationKind::Repeatable);
  EXPECT_EQ(n->description, "view");
  EXPECT_FALSE(parse_migration_name("V1__x.sql", rules));
  EXPECT_FALSE(parse_migration_name("M1-x.txt", rules));
  std::string msg = error_for("M1_x.psql", rules).what();
  EXPECT_NE(msg.find("M<version>-<description>.psql"), std::string::npos) << msg;
}
