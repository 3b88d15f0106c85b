// Flyway's script config files: `V2__x.sql.conf` beside `V2__x.sql`, read with the migration.
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "strata/error.hpp"
#include "strata/resolve.hpp"

namespace strata {
namespace {

std::string refusal(const std::string& text) {
  try {
    parse_script_config(text, "db/V2__x.sql.conf");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ScriptConfig, ReadsExecuteInTransactionAsFlywayDoes) {
  EXPECT_EQ(parse_script_config("executeInTransaction=false\n", "c").execute_in_transaction, false);
  EXPECT_EQ(parse_script_config("# why\n executeInTransaction : TRUE\n", "c").execute_in_transaction, true);
  EXPECT_FALSE(parse_script_config("encoding=UTF-8\n", "c").execute_in_transaction.has_value());
}

TEST(ScriptConfig, RefusesWhatItDoesNotActOnAtItsLine) {
  EXPECT_EQ(refusal("\nexecuteInTransaction=no"), "db/V2__x.sql.conf:2: executeInTransaction must be true or false, not 'no'");
  EXPECT_EQ(refusal("placeholderReplacement=false"),
            "db/V2__x.sql.conf:1: placeholderReplacement in a script config file is not supported by strata; only "
            "executeInTransaction is");
  EXPECT_EQ(refusal("executeInTransation=false"),
            "db/V2__x.sql.conf:1: unknown script config property 'executeInTransation' (a script config file sets "
            "executeInTransaction)");
  EXPECT_EQ(refusal("encoding=ISO-8859-1"),
            "db/V2__x.sql.conf:1: strata reads migrations as UTF-8; encoding ISO-8859-1 is not supported");
}

TEST(ScriptConfig, ResolveReadsTheFileBesideItsMigrationOnly) {
  test::TempDir dir;
  dir.write("V1__a.sql", "SELECT 1;");
  dir.write("V2__b.sql", "VACUUM;");
  dir.write("V2__b.sql.conf", "executeInTransaction=false\n");
  ResolveOptions options;
  options.locations = {dir.path().string()};
  const std::vector<ResolvedMigration> found = resolve_migrations(options);
  ASSERT_EQ(found.size(), 2u);  // the .conf is no migration
  EXPECT_FALSE(found[0].execute_in_transaction.has_value());
  EXPECT_TRUE(found[0].config_path.empty());
  EXPECT_EQ(found[1].execute_in_transaction, false);
  EXPECT_EQ(found[1].config_path, dir.path() / "V2__b.sql.conf");
}

}  // namespace
}  // namespace strata
