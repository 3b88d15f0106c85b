// migrate --dry-run: changes nothing (no history table, no lock, read-only credentials do), and
// what it prints, replayed through psql, gives the schema migrate gives.
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness.hpp"
#include "pg_tools.hpp"

namespace strata::test {
namespace {

void write_migrations(const TempDir& dir) {
  dir.write("V1__tables.sql",
            "CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL); -- trailing comment\n"
            "COPY item (id, name) FROM stdin;\n"
            "1\tsemi;colon\n"
            "2\ttab\\there\n"
            "3\tback\\\\slash\n"
            "\\.\n"
            "CREATE TABLE ${table_name} (a int)\n");
  dir.write("V2__function.sql",
            "CREATE FUNCTION item_count() RETURNS bigint LANGUAGE plpgsql AS $$\n"
            "DECLARE n bigint;\nBEGIN\n  SELECT count(*) INTO n FROM item;\n  RETURN n;\nEND $$;\n"
            "SET search_path = '';\n"
            "CREATE INDEX item_name ON public.item (name);\n");
  dir.write("R__view.sql", "CREATE OR REPLACE VIEW item_names AS SELECT name FROM item ORDER BY id;\n");
}

std::vector<std::string> migrate_args(const TestDatabase& db, const TempDir& dir) {
  return {"migrate", "--url", db.url(), "--locations", dir.path().string(), "-placeholders.table_name=extra"};
}

struct ReadOnlyRole {
  std::string name = "strata_ro_" + std::to_string(::getpid());
  explicit ReadOnlyRole(TestDatabase& admin) {
    admin.session().exec("CREATE ROLE " + name + " LOGIN PASSWORD 'ro-secret'");
    admin.session().exec("GRANT CONNECT ON DATABASE " + quote_ident(admin.name()) + " TO " + name);
    admin.session().exec("GRANT USAGE ON SCHEMA public TO " + name);
    admin.session().exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + name);
  }
};

TEST(DryRun, ChangesNothingWithReadOnlyCredentialsAndNamesWhatWouldRun) {
  TestDatabase db;
  TempDir dir;
  write_migrations(dir);
  ReadOnlyRole ro(db);
  db.session().exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  const std::string before = dump_without_restrict_keys(db.name(), {"-s"});
  std::vector<std::string> args = migrate_args(db, dir);
  args[2] = "postgresql://" + ro.name + "@127.0.0.1:" + server().port + "/" + db.name();
  args.push_back("--dry-run");
  const RunResult r = run_strata(args, {{"PGPASSWORD", "ro-secret"}});
  const std::string after = dump_without_restrict_keys(db.name(), {"-s"});
  db.session().exec("DROP OWNED BY " + ro.name);
  db.session().exec("DROP ROLE " + ro.name);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(after, before);
  EXPECT_EQ(db.scalar("SELECT to_regclass('public.flyway_schema_history') IS NULL"), "t");
  EXPECT_NE(r.out.find("CREATE TABLE \"public\".\"flyway_schema_history\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CREATE TABLE extra (a int)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2\ttab\\there\n3\tback\\\\slash\n\\.\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Dry run: 3 migrations would be applied"), std::string::npos) << r.err;
}

TEST(DryRun, ItsOutputReplayedThroughPsqlGivesTheSchemaMigrateGives) {
  TestDatabase replayed, migrated;
  TempDir dir, out;
  write_migrations(dir);
  const std::string before = dump_without_restrict_keys(replayed.name(), {"-s"});
  std::vector<std::string> args = migrate_args(replayed, dir);
  args.push_back("-dryRunOutput=" + (out.path() / "plan.sql").string());
  const RunResult dry = run_strata(args);
  ASSERT_EQ(dry.exit_code, 0) << dry.all();
  EXPECT_EQ(dump_without_restrict_keys(replayed.name(), {"-s"}), before);

  const ToolResult replay = run_pg_tool("psql", replayed.name(), {"-X", "-q", "-v", "ON_ERROR_STOP=1", "-f",
                                                                  (out.path() / "plan.sql").string()});
  ASSERT_EQ(replay.exit_code, 0) << replay.err << read_file(out.path() / "plan.sql");
  const RunResult real = run_strata(migrate_args(migrated, dir));
  ASSERT_EQ(real.exit_code, 0) << real.all();

  EXPECT_EQ(dump_without_restrict_keys(replayed.name(), {"-s"}), dump_without_restrict_keys(migrated.name(), {"-s"}));
  const std::string rows = "SELECT string_agg(coalesce(version, '-') || ':' || script || ':' || checksum || ':' || success, ',' "
                           "ORDER BY installed_rank) FROM flyway_schema_history";
  EXPECT_EQ(replayed.scalar(rows), migrated.scalar(rows));
  EXPECT_EQ(replayed.scalar("SELECT string_agg(name, '|' ORDER BY id) FROM item"), "semi;colon|tab\there|back\\slash");

  // With the history in place, only what is pending is written, and nothing is created.
  dir.write("V3__more.sql", "ALTER TABLE item ADD COLUMN price numeric;\n");
  const RunResult next = run_strata({"migrate", "--url", migrated.url(), "--locations", dir.path().string(),
                                     "-placeholders.table_name=extra", "--dry-run"});
  ASSERT_EQ(next.exit_code, 0) << next.all();
  EXPECT_EQ(next.out.find("CREATE TABLE \"public\".\"flyway_schema_history\""), std::string::npos) << next.out;
  EXPECT_NE(next.out.find("ALTER TABLE item ADD COLUMN price numeric;\n"), std::string::npos) << next.out;
  EXPECT_EQ(next.out.find("V1__tables.sql"), std::string::npos) << next.out;
  EXPECT_EQ(migrated.scalar("SELECT count(*) FROM flyway_schema_history"), "3");
}

}  // namespace
}  // namespace strata::test
