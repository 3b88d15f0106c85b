// ScriptStream: the batches, put together, are split_statements' result, however small the
// batches are and wherever they cut.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "strata/script.hpp"

namespace strata {
namespace {

struct Joined {
  std::vector<Statement> statements;
  std::vector<SkippedLine> skipped;
  bool parsed = true;
  std::size_t parse_error_offset = 0;
  std::optional<ScriptDefect> defect;
  int batches = 0;
};

Joined stream(std::string_view text, std::size_t batch_bytes) {
  ScriptStream s(text, batch_bytes);
  Joined out;
  SplitScript batch;
  while (s.next(batch)) {
    ++out.batches;
    EXPECT_FALSE(out.defect) << "a batch after the defect";
    out.statements.insert(out.statements.end(), batch.statements.begin(), batch.statements.end());
    out.skipped.insert(out.skipped.end(), batch.skipped.begin(), batch.skipped.end());
    if (!batch.parsed && out.parsed) {
      out.parsed = false;
      out.parse_error_offset = batch.parse_error_offset;
    }
    if (batch.defect) out.defect = batch.defect;
  }
  return out;
}

void expect_same(std::string_view text, std::size_t batch_bytes) {
  const SplitScript whole = split_statements(text);
  const Joined joined = stream(text, batch_bytes);
  SCOPED_TRACE("batches of " + std::to_string(batch_bytes) + " bytes");
  // Nothing of a script with a defect runs: only the defect matters.
  ASSERT_EQ(joined.defect.has_value(), whole.defect.has_value());
  if (whole.defect) {
    EXPECT_EQ(joined.defect->offset, whole.defect->offset);
    EXPECT_EQ(joined.defect->cause, whole.defect->cause);
    return;
  }
  ASSERT_EQ(joined.statements.size(), whole.statements.size());
  for (std::size_t i = 0; i < whole.statements.size(); ++i) {
    const Statement& a = whole.statements[i];
    const Statement& b = joined.statements[i];
    EXPECT_EQ(a.sql, b.sql) << i;
    EXPECT_EQ(a.offset, b.offset) << i;
    EXPECT_EQ(a.start.line, b.start.line) << i;
    EXPECT_EQ(a.start.column, b.start.column) << i;
    EXPECT_EQ(a.kind, b.kind) << i;
    EXPECT_EQ(a.requirement, b.requirement) << i;
    EXPECT_EQ(a.copy_data, b.copy_data) << i;
    EXPECT_EQ(a.copy_data_start.line, b.copy_data_start.line) << i;
    EXPECT_EQ(a.body_offset, b.body_offset) << i;
    EXPECT_EQ(a.routine, b.routine) << i;
    EXPECT_EQ(a.transaction_control_offset, b.transaction_control_offset) << i;
  }
  EXPECT_EQ(joined.skipped.size(), whole.skipped.size());
  EXPECT_EQ(joined.parsed, whole.parsed);
  if (!whole.parsed) EXPECT_EQ(joined.parse_error_offset, whole.parse_error_offset);
}

std::string rows(int n, const std::string& eol = "\n") {
  std::string out;
  for (int i = 0; i < n; ++i) out += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'r\xC3\xA9;" + std::to_string(i) + "');" + eol;
  return out;
}

TEST(ScriptStream, BatchesTogetherAreTheWholeSplitWhateverTheirSize) {
  const std::string text =
      "CREATE TABLE t (id int, name text);\r\n" + rows(40, "\r\n") +
      "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + b;\n  SELECT a;\nEND;\n" +
      rows(10) +
      "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);\n" + rows(10) +
      "COPY t (id, name) FROM STDIN;\n1\ta\n2\tb\n\\.\n" + rows(10) +
      "\\restrict abc\n" + rows(5) + "\\unrestrict abc\n" +
      "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  COMMIT;\nEND;\n$$;\n" + rows(30) +
      "CALL p();\nCREATE INDEX CONCURRENTLY i ON t (id);\n"
      "DO $$\nBEGIN\n  ROLLBACK;\nEND;\n$$;\n" + rows(20) + "SELECT 'no final newline'";
  for (std::size_t size : {1u, 7u, 64u, 100u, 333u, 1000u, 4096u}) expect_same(text, size);
  EXPECT_GT(stream(text, 64).batches, 20);
  EXPECT_EQ(stream(text, 1u << 30).batches, 1);
}

TEST(ScriptStream, AParseErrorAndDefectsComeOutAsInTheWholeSplit) {
  const std::string bad_middle = rows(30) + "selct 'a;b' $x$ ; $x$;\n" + rows(30);
  const std::string unterminated = rows(30) + "SELECT 'never closed;\n" + rows(3);
  const std::string meta = rows(30) + "\\i other.sql\n" + rows(30);
  const std::string copy_without_end = rows(30) + "COPY t FROM STDIN;\n1\ta\n";
  for (const std::string* text : {&bad_middle, &unterminated, &meta, &copy_without_end}) {
    for (std::size_t size : {1u, 50u, 200u, 1000u}) expect_same(*text, size);
  }
  EXPECT_FALSE(stream(bad_middle, 100).parsed);
  EXPECT_TRUE(stream(unterminated, 100).defect);
  EXPECT_TRUE(stream(meta, 100).defect);
}

TEST(ScriptStream, EmptyTextIsOneEmptyBatch) {
  const Joined j = stream("", 10);
  EXPECT_EQ(j.batches, 1);
  EXPECT_TRUE(j.statements.empty());
}

}  // namespace
}  // namespace strata
