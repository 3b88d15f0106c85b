// PL/pgSQL bodies: where they start, and COMMIT / ROLLBACK found by the PL/pgSQL parser (not in
// strings, comments or nested functions' text), for DO blocks and CALLs of procedures created in
// the same script.
#include <gtest/gtest.h>

#include "strata/script.hpp"

namespace strata {
namespace {

TEST(RoutineBody, ADoBlockThatCommitsRunsOutsideATransactionWithItsCommitsLine) {
  const std::string sql = "DO $$\nBEGIN\n  FOR i IN 1..2 LOOP\n    COMMIT;\n  END LOOP;\nEND $$;";
  const SplitScript s = split_statements(sql);
  ASSERT_EQ(s.statements.size(), 1u);
  const Statement& st = s.statements[0];
  EXPECT_EQ(st.kind, StatementKind::NoTransaction);
  EXPECT_EQ(st.requirement, "COMMIT inside a DO block");
  EXPECT_EQ(st.body_offset, 5u);
  ASSERT_NE(st.transaction_control_offset, std::string_view::npos);
  EXPECT_EQ(position_at(sql, st.transaction_control_offset).line, 4);
}

TEST(RoutineBody, AVariableWithACollationDoesNotHideTheCommit) {
  // libpg_query's PL/pgSQL parser alone rejects `TEXT COLLATE "C"` (it has no catalog).
  const std::string sql =
      "DO $$\nDECLARE\n  last_name TEXT COLLATE \"C\" := NULL;\n  b text collate pg_catalog.default;\n"
      "BEGIN\n  LOOP\n    COMMIT;\n    EXIT;\n  END LOOP;\nEND $$;";
  const SplitScript s = split_statements(sql);
  ASSERT_EQ(s.statements.size(), 1u);
  EXPECT_EQ(s.statements[0].kind, StatementKind::NoTransaction);
  EXPECT_EQ(position_at(sql, s.statements[0].transaction_control_offset).line, 7);
}

TEST(RoutineBody, TheWordCommitInAStringOrCommentIsNoCommit) {
  const SplitScript s = split_statements(
      "DO $$\nBEGIN\n  -- COMMIT;\n  RAISE NOTICE 'COMMIT;';\n  EXECUTE 'SELECT 1';\nEND $$ LANGUAGE plpgsql;");
  ASSERT_EQ(s.statements.size(), 1u);
  EXPECT_EQ(s.statements[0].kind, StatementKind::Transactional);
  EXPECT_EQ(s.statements[0].transaction_control_offset, std::string_view::npos);
}

TEST(RoutineBody, ACallOfAProcedureCreatedInTheScriptThatRollsBackNeedsNoTransaction) {
  const std::string sql =
      "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  ROLLBACK;\nEND $$;\nCALL P();\nCALL other();";
  const SplitScript s = split_statements(sql);
  ASSERT_EQ(s.statements.size(), 3u);
  EXPECT_EQ(s.statements[0].kind, StatementKind::Transactional);  // creating it is fine in a transaction
  EXPECT_EQ(s.statements[0].routine, "p");
  EXPECT_EQ(s.statements[1].kind, StatementKind::NoTransaction);
  EXPECT_EQ(position_at(sql, s.statements[1].transaction_control_offset).line, 3);
  EXPECT_EQ(s.statements[2].kind, StatementKind::Transactional);  // not created here: the server judges
}

TEST(RoutineBody, AFunctionsBodyIsFoundForErrorLinesAndItsNameKept) {
  const std::string sql = "CREATE OR REPLACE FUNCTION Audit() RETURNS trigger LANGUAGE plpgsql AS $f$\nBEGIN RETURN NEW; END $f$;";
  const SplitScript s = split_statements(sql);
  ASSERT_EQ(s.statements.size(), 1u);
  EXPECT_EQ(s.statements[0].routine, "audit");
  EXPECT_EQ(s.statements[0].body_offset, sql.find("$f$") + 3);
}

}  // namespace
}  // namespace strata
