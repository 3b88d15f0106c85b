// A pg_dump of a database with data, made by this machine's pg_dump, applied by strata as a
// V1__baseline.sql: schema and data equal to what `psql -1 -f` makes of the same file, with and
// without pg_dump 15.14+'s \restrict lines, and the session fit for the next migration afterwards.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "pg_tools.hpp"

namespace strata::test {
namespace {

const char* kSourceSchema = R"SQL(
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE app.pair AS (a int, b text);
CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
CREATE SEQUENCE app.ticket_seq START 100 INCREMENT 5;
CREATE TABLE app.person (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  mood app.mood,
  score app.positive,
  note text,
  ticket bigint DEFAULT nextval('app.ticket_seq'),
  CONSTRAINT name_not_blank CHECK (name <> '')
);
CREATE TABLE app.visit (
  person_id int REFERENCES app.person (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  tags text[],
  extra jsonb
);
CREATE INDEX visit_at ON app.visit (at DESC);
CREATE INDEX person_lower_name ON app.person (lower(name));
CREATE VIEW app.happy_people AS SELECT id, name FROM app.person WHERE mood = 'happy';
CREATE FUNCTION app.greet(p app.person) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN 'hello; ' || p.name || E'\t!';
END $$;
INSERT INTO app.person (name, mood, score, note) VALUES
  ('tab	inside', 'happy', 1, E'back\\slash and a; semicolon'),
  ('ünïcødé ✓', 'ok', 2, NULL),
  ('new
line', 'sad', 3, E'\\.'),
  ('quote''s', NULL, NULL, '\N literally');
INSERT INTO app.visit SELECT id, '2024-01-02 03:04:05+00', ARRAY['a;b', 'c\d'], '{"k": "v\t"}' FROM app.person;
SELECT setval('app.ticket_seq', 500);
)SQL";

struct RoundTrip {
  TestDatabase source;
  std::string dump;
  RoundTrip() {
    source.session().exec(kSourceSchema);
    const ToolResult r = run_pg_tool("pg_dump", source.name(), {});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    dump = r.out;
  }
};

// The dump with \restrict lines: pg_dump 15.14+ writes them itself; an older one gets them added.
std::string with_restrict_lines(const std::string& dump) {
  if (dump.find("\n\\restrict ") != std::string::npos) return dump;
  const std::size_t first_line = dump.find('\n') + 1;
  return dump.substr(0, first_line) + "\n\\restrict 0123456789abcdef\n" + dump.substr(first_line) +
         "\n\\unrestrict 0123456789abcdef\n";
}

// strata applies `dump` as V1 and a plain V2 after it into a fresh database; returns its dump.
std::string strata_applies(const std::string& dump) {
  TestDatabase target;
  TempDir dir;
  dir.write("V1__baseline.sql", dump);
  // After the dump's set_config('search_path', '', false) an unqualified name must land in the
  // history's schema again, and the history row must still be written.
  dir.write("V2__after.sql", "CREATE TABLE after_dump (a int);\n");
  const RunResult r = run_strata({"migrate", "--url", target.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(target.scalar("SELECT to_regclass('public.after_dump') IS NOT NULL"), "t");
  EXPECT_EQ(target.scalar("SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) "
                          "FROM public.flyway_schema_history"), "1:true,2:true");
  return dump_without_restrict_keys(target.name(), {"--exclude-table=public.flyway_schema_history"});
}

std::string psql_applies(const std::string& dump) {
  TestDatabase target;
  TempDir dir;
  const auto v1 = dir.write("V1__baseline.sql", dump);
  const auto v2 = dir.write("V2__after.sql", "CREATE TABLE after_dump (a int);\n");
  for (const auto& file : {v1, v2}) {
    const ToolResult r = run_pg_tool("psql", target.name(), {"-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  return dump_without_restrict_keys(target.name());
}

TEST(PgDumpBaseline, AppliesWithSchemaAndDataEqualToPsqlWithAndWithoutRestrictLines) {
  RoundTrip source;
  const std::string guarded = with_restrict_lines(source.dump);
  const std::string plain = without_restrict_lines(guarded);
  ASSERT_NE(plain, guarded);
  ASSERT_NE(guarded.find("COPY app.person"), std::string::npos) << guarded;

  const std::string by_psql = psql_applies(guarded);
  EXPECT_NE(by_psql.find("ünïcødé ✓"), std::string::npos);
  EXPECT_EQ(strata_applies(guarded), by_psql);
  EXPECT_EQ(strata_applies(plain), by_psql);
}

TEST(PgDumpBaseline, RestrictLinesAreSkippedWithANoteAtTheirLine) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__guarded.sql", "\\restrict k3y\nCREATE TABLE t (a int);\n\\unrestrict k3y\n");
  const RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.all().find("V1__guarded.sql:1: skipping the psql-only line `\\restrict k3y`"), std::string::npos) << r.all();
  EXPECT_NE(r.all().find("V1__guarded.sql:3: skipping the psql-only line `\\unrestrict k3y`"), std::string::npos) << r.all();
  EXPECT_EQ(db.scalar("SELECT to_regclass('t') IS NOT NULL"), "t");
}

TEST(PsqlMetaCommand, IsRefusedAtItsLineBeforeAnyMigrationRuns) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__fine.sql", "CREATE TABLE fine (a int);\n");
  dir.write("V2__include.sql", "CREATE TABLE never (a int);\n-- next: a psql include\n\\i other.sql\n");
  const RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("V2__include.sql:3:1: psql meta-command \\i is not SQL; strata runs SQL only"), std::string::npos)
      << r.err;
  EXPECT_EQ(db.scalar("SELECT to_regclass('fine') IS NULL AND to_regclass('never') IS NULL"), "t");
}

}  // namespace
}  // namespace strata::test
