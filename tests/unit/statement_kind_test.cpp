// Statement kinds, decided from the parse tree: one row per statement PostgreSQL 15 refuses in a
// transaction block, and the look-alikes it accepts.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "strata/script.hpp"

namespace strata {
namespace {

struct KindCase {
  const char* sql;
  StatementKind kind;
  const char* requirement;  // NoTransaction only
};

class StatementKindTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(StatementKindTest, IsDecidedFromTheParseTree) {
  const KindCase& c = GetParam();
  const SplitScript s = split_statements(c.sql);
  ASSERT_TRUE(s.parsed) << c.sql << ": " << s.parse_error;
  ASSERT_EQ(s.statements.size(), 1u) << c.sql;
  EXPECT_EQ(kind_name(s.statements[0].kind), kind_name(c.kind)) << c.sql;
  EXPECT_EQ(s.statements[0].requirement, c.requirement) << c.sql;
}

constexpr auto T = StatementKind::Transactional;
constexpr auto N = StatementKind::NoTransaction;

INSTANTIATE_TEST_SUITE_P(
    Kinds, StatementKindTest,
    ::testing::Values(
        KindCase{"CREATE INDEX CONCURRENTLY i ON t (x)", N, "CREATE INDEX CONCURRENTLY"},
        KindCase{"create unique index concurrently if not exists i on t (x)", N, "CREATE INDEX CONCURRENTLY"},
        KindCase{"CREATE INDEX i ON t (x)", T, ""},
        KindCase{"DROP INDEX CONCURRENTLY i", N, "DROP INDEX CONCURRENTLY"},
        KindCase{"DROP INDEX i", T, ""},
        KindCase{"REINDEX TABLE CONCURRENTLY t", N, "REINDEX CONCURRENTLY"},
        KindCase{"REINDEX (CONCURRENTLY) INDEX i", N, "REINDEX CONCURRENTLY"},
        KindCase{"REINDEX (CONCURRENTLY false) TABLE t", T, ""},
        KindCase{"REINDEX TABLE t", T, ""},
        KindCase{"REINDEX SCHEMA s", N, "REINDEX SCHEMA"},
        KindCase{"REINDEX DATABASE d", N, "REINDEX DATABASE"},
        KindCase{"REINDEX SYSTEM d", N, "REINDEX SYSTEM"},
        KindCase{"VACUUM", N, "VACUUM"},
        KindCase{"VACUUM (ANALYZE) t", N, "VACUUM"},
        KindCase{"ANALYZE t", T, ""},
        KindCase{"CLUSTER", N, "CLUSTER"},
        KindCase{"CLUSTER t USING i", T, ""},
        KindCase{"CREATE DATABASE d", N, "CREATE DATABASE"},
        KindCase{"DROP DATABASE IF EXISTS d", N, "DROP DATABASE"},
        KindCase{"ALTER DATABASE d SET TABLESPACE ts", N, "ALTER DATABASE SET TABLESPACE"},
        KindCase{"ALTER DATABASE d SET work_mem = '1MB'", T, ""},
        KindCase{"CREATE TABLESPACE ts LOCATION '/x'", N, "CREATE TABLESPACE"},
        KindCase{"DROP TABLESPACE ts", N, "DROP TABLESPACE"},
        KindCase{"ALTER SYSTEM SET work_mem = '1MB'", N, "ALTER SYSTEM"},
        KindCase{"ALTER TYPE mood ADD VALUE 'meh'", T, ""},
        KindCase{"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p", N,
                 "CREATE SUBSCRIPTION ... WITH (create_slot = true)"},
        KindCase{"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (create_slot = false)", T, ""},
        KindCase{"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (connect = false)", T, ""},
        KindCase{"ALTER SUBSCRIPTION s REFRESH PUBLICATION", N, "ALTER SUBSCRIPTION ... REFRESH"},
        KindCase{"ALTER SUBSCRIPTION s SET PUBLICATION p", N, "ALTER SUBSCRIPTION with refresh"},
        KindCase{"ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)", T, ""},
        KindCase{"ALTER SUBSCRIPTION s DISABLE", T, ""},
        KindCase{"DROP SUBSCRIPTION s", N, "DROP SUBSCRIPTION"},
        KindCase{"DISCARD ALL", N, "DISCARD ALL"},
        KindCase{"DISCARD PLANS", T, ""},
        KindCase{"COMMIT PREPARED 'x'", N, "COMMIT PREPARED"},
        KindCase{"ROLLBACK PREPARED 'x'", N, "ROLLBACK PREPARED"},
        KindCase{"ALTER TABLE p DETACH PARTITION c CONCURRENTLY", N, "ALTER TABLE ... DETACH CONCURRENTLY"},
        KindCase{"ALTER TABLE p DETACH PARTITION c", T, ""},
        KindCase{"COPY t TO STDOUT", T, ""},
        KindCase{"COPY t FROM '/tmp/x'", T, ""},
        KindCase{"SELECT 'CREATE INDEX CONCURRENTLY'", T, ""},
        // The words that make a CREATE, ALTER or DROP worth a tree, however they are written.
        KindCase{"CrEaTe UnIqUe InDeX cOnCuRrEnTlY i ON t (x)", N, "CREATE INDEX CONCURRENTLY"},
        KindCase{"create/* a */index/* b */concurrently i on t (x)", N, "CREATE INDEX CONCURRENTLY"},
        KindCase{"DROP\n  INDEX\n  CONCURRENTLY\n  IF EXISTS i", N, "DROP INDEX CONCURRENTLY"},
        KindCase{"alter   system\treset all", N, "ALTER SYSTEM"},
        KindCase{"Alter Database d Set Tablespace ts", N, "ALTER DATABASE SET TABLESPACE"},
        KindCase{"CREATE TABLE concurrently_log (system text, database text)", T, ""},
        KindCase{"CREATE INDEX i ON t (x) -- not CONCURRENTLY", T, ""},
        KindCase{"CREATE TABLE t (a int)", T, ""},
        KindCase{"ALTER TABLE t ADD COLUMN b int", T, ""},
        KindCase{"-- VACUUM\nSELECT 1", T, ""}),
    // Readable, stable test names (the default prints the struct's bytes, pointers included).
    [](const ::testing::TestParamInfo<KindCase>& info) {
      std::string name = std::to_string(info.index) + "_";
      for (const char* c = info.param.sql; *c && name.size() < 48; ++c) {
        name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
      }
      return name;
    });

}  // namespace
}  // namespace strata
