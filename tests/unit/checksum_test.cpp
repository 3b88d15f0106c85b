#include "strata/checksum.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include <algorithm>

using strata::find_invalid_utf8;
using strata::flyway_checksum;

namespace {

struct Vector {
  const char* name;
  std::string bytes;
  std::int32_t checksum;
};

// Produced by the JDK, independently of strata's C++ code:
//   javac -d /tmp/gen tests/unit/gen_vectors/ChecksumVectors.java
//   java -cp /tmp/gen ChecksumVectors tests/unit/vectors/checksum
// Each entry is one file of tests/unit/vectors/checksum (its bytes, as the generator printed them)
// and the checksum Java computed for it the way Flyway's ChecksumCalculator does: BufferedReader
// lines over a UTF-8 decoder, U+FEFF stripped from the first line, one java.util.zip.CRC32 over
// every line's UTF-8 bytes, narrowed to int. (OpenJDK 17.0.15.)
const Vector kVectors[] = {
    {"blank_lines.sql",
     std::string("CREATE TABLE a (id int);\n"
       "\n"
       "\n"
       "\r\n"
       "\n"
       "INSERT INTO a VALUES (1);\n"
       "\n", 57),
     -279898995},
    {"bom.sql",
     std::string("\357\273\277CREATE TABLE a (id int);\n"
       "INSERT INTO a VALUES (1);\n", 54),
     -279898995},
    {"bom_after_empty_first_line.sql",
     std::string("\n"
       "\357\273\277SELECT 1;\n", 14),
     -1606921097},
    {"bom_only.sql",
     std::string("\357\273\277", 3),
     0},
    {"bom_second_line.sql",
     std::string("SELECT 1;\n"
       "\357\273\277SELECT 2;\n", 23),
     -737986772},
    {"bom_twice.sql",
     std::string("\357\273\277\357\273\277SELECT 1;\n", 16),
     -1606921097},
    {"boundary_crlf_4096.sql",
     std::string(4095, 'x') + std::string("\r\n"
       "y\r\n", 5),
     1226262359},
    {"boundary_multibyte_8192.sql",
     std::string(8191, 'z') + std::string("\303\251\346\227\245\n"
       "\r\360\237\232\200end", 14),
     1568209461},
    {"cr.sql",
     std::string("CREATE TABLE a (id int);\rINSERT INTO a VALUES (1);\r", 51),
     -279898995},
    {"crlf.sql",
     std::string("CREATE TABLE a (id int);\r\n"
       "INSERT INTO a VALUES (1);\r\n", 53),
     -279898995},
    {"empty.sql",
     std::string("", 0),
     0},
    {"lf.sql",
     std::string("CREATE TABLE a (id int);\n"
       "INSERT INTO a VALUES (1);\n", 51),
     -279898995},
    {"long_plpgsql.sql",
     std::string("-- Accounts and audit trail.\n"
       "-- Author: strata test vectors\n"
       "\n"
       "CREATE TABLE account (\n"
       "    id          bigserial PRIMARY KEY,\n"
       "    email       text        NOT NULL UNIQUE,\n"
       "    created_at  timestamptz NOT NULL DEFAULT now(),\n"
       "    balance     numeric(12, 2) NOT NULL DEFAULT 0\t-- tab before this comment\n"
       ");\n"
       "\n"
       "CREATE TABLE account_audit (\n"
       "\tid         bigserial PRIMARY KEY,\n"
       "\taccount_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,\n"
       "\top         char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),\n"
       "\tchanged_at timestamptz NOT NULL DEFAULT now(),\n"
       "\told_row    jsonb,\n"
       "\tnew_row    jsonb   \n"
       ");\n"
       "\n"
       "CREATE OR REPLACE FUNCTION account_audit_trigger() RETURNS trigger\n"
       "LANGUAGE plpgsql AS $fn$\n"
       "DECLARE\n"
       "    v_id bigint;\n"
       "BEGIN\n"
       "    IF TG_OP = 'DELETE' THEN\n"
       "        v_id := OLD.id;\n"
       "        INSERT INTO account_audit (account_id, op, old_row)\n"
       "        VALUES (v_id, 'D', to_jsonb(OLD));\n"
       "        RETURN OLD;\n"
       "    ELSIF TG_OP = 'UPDATE' THEN\n"
       "        INSERT INTO account_audit (account_id, op, old_row, new_row)\n"
       "        VALUES (NEW.id, 'U', to_jsonb(OLD), to_jsonb(NEW));\n"
       "    ELSE\n"
       "        INSERT INTO account_audit (account_id, op, new_row)\n"
       "        VALUES (NEW.id, 'I', to_jsonb(NEW));\n"
       "    END IF;\n"
       "    -- a semicolon inside a string; and $$ inside the body: 'it''s $$ fine'\n"
       "    RAISE NOTICE 'audited %; op=%', NEW.id, TG_OP;\n"
       "    RETURN NEW;\n"
       "END;\n"
       "$fn$;\n"
       "\n"
       "CREATE TRIGGER account_audit\n"
       "    AFTER INSERT OR UPDATE OR DELETE ON account\n"
       "    FOR EACH ROW EXECUTE FUNCTION account_audit_trigger();\n"
       "\n"
       "DO $$\n"
       "BEGIN\n"
       "    PERFORM 1;\n"
       "END\n"
       "$$;\n"
       "\n"
       "COMMENT ON TABLE account IS 'Customer accounts \342\200\224 one row per e-mail';\n", 1574),
     -2051789860},
    {"long_plpgsql_crlf.sql",
     std::string("-- Accounts and audit trail.\r\n"
       "-- Author: strata test vectors\r\n"
       "\r\n"
       "CREATE TABLE account (\r\n"
       "    id          bigserial PRIMARY KEY,\r\n"
       "    email       text        NOT NULL UNIQUE,\r\n"
       "    created_at  timestamptz NOT NULL DEFAULT now(),\r\n"
       "    balance     numeric(12, 2) NOT NULL DEFAULT 0\t-- tab before this comment\r\n"
       ");\r\n"
       "\r\n"
       "CREATE TABLE account_audit (\r\n"
       "\tid         bigserial PRIMARY KEY,\r\n"
       "\taccount_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,\r\n"
       "\top         char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),\r\n"
       "\tchanged_at timestamptz NOT NULL DEFAULT now(),\r\n"
       "\told_row    jsonb,\r\n"
       "\tnew_row    jsonb   \r\n"
       ");\r\n"
       "\r\n"
       "CREATE OR REPLACE FUNCTION account_audit_trigger() RETURNS trigger\r\n"
       "LANGUAGE plpgsql AS $fn$\r\n"
       "DECLARE\r\n"
       "    v_id bigint;\r\n"
       "BEGIN\r\n"
       "    IF TG_OP = 'DELETE' THEN\r\n"
       "        v_id := OLD.id;\r\n"
       "        INSERT INTO account_audit (account_id, op, old_row)\r\n"
       "        VALUES (v_id, 'D', to_jsonb(OLD));\r\n"
       "        RETURN OLD;\r\n"
       "    ELSIF TG_OP = 'UPDATE' THEN\r\n"
       "        INSERT INTO account_audit (account_id, op, old_row, new_row)\r\n"
       "        VALUES (NEW.id, 'U', to_jsonb(OLD), to_jsonb(NEW));\r\n"
       "    ELSE\r\n"
       "        INSERT INTO account_audit (account_id, op, new_row)\r\n"
       "        VALUES (NEW.id, 'I', to_jsonb(NEW));\r\n"
       "    END IF;\r\n"
       "    -- a semicolon inside a string; and $$ inside the body: 'it''s $$ fine'\r\n"
       "    RAISE NOTICE 'audited %; op=%', NEW.id, TG_OP;\r\n"
       "    RETURN NEW;\r\n"
       "END;\r\n"
       "$fn$;\r\n"
       "\r\n"
       "CREATE TRIGGER account_audit\r\n"
       "    AFTER INSERT OR UPDATE OR DELETE ON account\r\n"
       "    FOR EACH ROW EXECUTE FUNCTION account_audit_trigger();\r\n"
       "\r\n"
       "DO $$\r\n"
       "BEGIN\r\n"
       "    PERFORM 1;\r\n"
       "END\r\n"
       "$$;\r\n"
       "\r\n"
       "COMMENT ON TABLE account IS 'Customer accounts \342\200\224 one row per e-mail';\r\n", 1627),
     -2051789860},
    {"long_lines_20000.sql",
     std::string(20000, 'q') + std::string("\r\n", 2) + std::string(20000, 'w'),
     163501513},
    {"mixed.sql",
     std::string("SELECT 1;\n"
       "SELECT 2;\r\n"
       "SELECT 3;\rSELECT 4;\n"
       "\rSELECT 5;\r\r\n"
       "SELECT 6;", 63),
     -1844964001},
    {"no_final_newline.sql",
     std::string("CREATE TABLE a (id int);\n"
       "INSERT INTO a VALUES (1);", 50),
     -279898995},
    {"non_ascii.sql",
     std::string("-- caf\303\251 \346\227\245\346\234\254\350\252\236 \360\237\232\200\n"
       "INSERT INTO t (name) VALUES ('cr\303\250me br\303\273l\303\251e'), ('\346\235\261\344\272\254'), ('\360\237\230\200\360\237\221\215');\n", 99),
     1546448279},
    {"one_line.sql",
     std::string("SELECT 1;\n", 10),
     78787420},
    {"only_newlines.sql",
     std::string("\n"
       "\n"
       "\r\n"
       "\r\r\n"
       "\n", 8),
     0},
    {"tabs_trailing.sql",
     std::string("\tSELECT 1;   \n"
       "  \t\n"
       "SELECT\t2 ;\t \n"
       "   ", 34),
     -2110006434},
    {"unicode_separators.sql",
     std::string("a\342\200\250b\302\205c\013d\014e\000f\n", 15),
     1629296738},
};

}  // namespace

TEST(Checksum, MatchesJavaReferenceVectors) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(flyway_checksum(v.bytes), v.checksum) << v.name;
    EXPECT_EQ(find_invalid_utf8(v.bytes), std::string_view::npos) << v.name;
  }
}

TEST(Checksum, MatchesValuesFlywayWroteToRealHistoryTables) {
  // flyway/flyway issue #1560 (Flyway 4.1.2, V1_2__Create_table_settings.sql): -723451720.
  EXPECT_EQ(flyway_checksum("DROP TABLE IF EXISTS settings;\n"
                            "CREATE TABLE IF NOT EXISTS settings (\n"
                            "    id INTEGER PRIMARY KEY\n"
                            ");\n"),
            -723451720);
  // flyway/flyway issue #2474 (Flyway 6.0.0, "Resolved locally"): -1039259818.
  EXPECT_EQ(flyway_checksum("alter table location_history add column valid_until timestamp with time zone;\r\n"),
            -1039259818);
}

// The checksum of `text` fed in pieces of `sizes` bytes (cycled) through FlywayChecksum.
static std::int32_t streamed(std::string_view text, const std::vector<std::size_t>& sizes) {
  strata::FlywayChecksum checksum;
  for (std::size_t i = 0; !text.empty(); ++i) {
    const std::size_t n = std::min(text.size(), sizes[i % sizes.size()]);
    checksum.update(text.substr(0, n));
    text.remove_prefix(n);
  }
  return checksum.value();
}

TEST(Checksum, StreamedInPiecesEqualsJavaReferenceVectorsWhereverTheyAreCut) {
  // Every vector (BOM, CR LF, lone CR, no final newline, long lines, multibyte UTF-8) cut at
  // every single offset, and fed in small uneven pieces so that BOMs, CR LF pairs and
  // multibyte characters fall across piece borders.
  for (const auto& v : kVectors) {
    const std::string_view text = v.bytes;
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
      strata::FlywayChecksum checksum;
      checksum.update(text.substr(0, cut));
      checksum.update(text.substr(cut));
      ASSERT_EQ(checksum.value(), v.checksum) << v.name << " cut at " << cut;
    }
    for (const auto& sizes : std::vector<std::vector<std::size_t>>{{1}, {2}, {3}, {1, 2}, {5, 1, 7}, {4096}, {16385}}) {
      EXPECT_EQ(streamed(text, sizes), v.checksum) << v.name << " in pieces of " << sizes.front();
    }
  }
}

TEST(Checksum, StreamedLargeTextEqualsWholeText) {
  std::string text = "\xEF\xBB\xBF";
  for (int i = 0; i < 20000; ++i) {
    text += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'n\xC3\xA4me \xE2\x82\xAC \xF0\x9F\x98\x80');";
    text += i % 5 == 0 ? "\r\n" : i % 7 == 0 ? "\r" : "\n";
    if (i % 1000 == 0) text += std::string(20000, 'x') + "\n";  // longer than the internal block
  }
  text += "SELECT 1";  // no final newline
  const std::int32_t whole = flyway_checksum(text);
  for (std::size_t size : {1u, 3u, 4095u, 65536u, 1u << 20}) EXPECT_EQ(streamed(text, {size}), whole) << size;
  EXPECT_EQ(streamed(text, {7, 1, 8191, 2, 3}), whole);
  EXPECT_EQ(streamed("", {1}), 0);
  EXPECT_EQ(streamed("\xEF\xBB", {1}), flyway_checksum("\xEF\xBB"));  // shorter than a BOM: just bytes
  EXPECT_EQ(streamed("\xEF\xBB\xBF", {1}), 0);
}

TEST(Checksum, LineEndingsBlankLinesAndFinalNewlineDoNotMatter) {
  const std::int32_t lf = flyway_checksum("SELECT 1;\nSELECT 2;\n");
  EXPECT_EQ(flyway_checksum("SELECT 1;\r\nSELECT 2;\r\n"), lf);
  EXPECT_EQ(flyway_checksum("SELECT 1;\rSELECT 2;\r"), lf);
  EXPECT_EQ(flyway_checksum("SELECT 1;\nSELECT 2;"), lf);
  EXPECT_EQ(flyway_checksum("\n\nSELECT 1;\n\n\r\n\rSELECT 2;\n\n"), lf);
  EXPECT_EQ(flyway_checksum("\xEF\xBB\xBFSELECT 1;\nSELECT 2;\n"), lf);
  EXPECT_EQ(flyway_checksum("a\n"), flyway_checksum("a"));
  // Whitespace inside lines does count.
  EXPECT_NE(flyway_checksum("SELECT 1; \nSELECT 2;\n"), lf);
  EXPECT_NE(flyway_checksum("SELECT 1;\n\tSELECT 2;\n"), lf);
}

TEST(Checksum, LargeInputsEqualCrcOfTextWithoutLineBreaks) {
  // The definition restated with zlib directly, over inputs that cross the internal block size in
  // every way: many short lines, lines longer than a block, and a mix.
  const auto reference = [](std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::string kept;
    for (char c : text) {
      if (c != '\n' && c != '\r') kept.push_back(c);
    }
    const uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(kept.data()), kept.size());
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
  };
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'x');" + (i % 3 ? "\n" : "\r\n");
  EXPECT_EQ(flyway_checksum(many), reference(many));
  std::string mixed = "\xEF\xBB\xBF";
  for (int i = 1; i < 40; ++i) mixed += std::string(static_cast<std::size_t>(i * 997), static_cast<char>('a' + i % 26)) + "\n";
  EXPECT_EQ(flyway_checksum(mixed), reference(mixed));
  const std::string exact(16384, 'e');
  EXPECT_EQ(flyway_checksum(exact), reference(exact));
  EXPECT_EQ(flyway_checksum(std::string(16383, 'f') + "\n" + "g"), reference(std::string(16383, 'f') + "g"));
}

TEST(Checksum, EmptyInputsAreZero) {
  EXPECT_EQ(flyway_checksum(""), 0);
  EXPECT_EQ(flyway_checksum("\n"), 0);
  EXPECT_EQ(flyway_checksum("\r\n\r\n\r"), 0);
  EXPECT_EQ(flyway_checksum("\xEF\xBB\xBF"), 0);
  EXPECT_EQ(flyway_checksum("\xEF\xBB\xBF\n\n"), 0);
}

TEST(Checksum, OnlyOneLeadingBomIsDropped) {
  const std::int32_t plain = flyway_checksum("SELECT 1;");
  EXPECT_EQ(flyway_checksum("\xEF\xBB\xBFSELECT 1;"), plain);
  EXPECT_NE(flyway_checksum("\xEF\xBB\xBF\xEF\xBB\xBFSELECT 1;"), plain);
  EXPECT_NE(flyway_checksum("\n\xEF\xBB\xBFSELECT 1;"), plain);  // not on the first line
  // A truncated BOM is just bytes.
  EXPECT_NE(flyway_checksum("\xEF\xBBSELECT 1;"), plain);
}

TEST(Checksum, ResultIsSignedReinterpretationOfCrc32) {
  // crc32("a") = 0xE8B7BE43, which Java narrows to -390611389.
  EXPECT_EQ(flyway_checksum("a"), -390611389);
  // crc32("SELECT 1;") = 0x04B2315C stays positive.
  EXPECT_EQ(flyway_checksum("SELECT 1;"), 78787420);
}

TEST(Utf8, ValidTextHasNoInvalidByte) {
  EXPECT_EQ(find_invalid_utf8(""), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("plain ascii, long enough to use the eight-byte path\n"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8(std::string_view("nul\0inside", 10)), std::string_view::npos);
  // Boundaries of each form.
  for (const char* s : {"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
                        "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBB\xBF"}) {
    EXPECT_EQ(find_invalid_utf8(s), std::string_view::npos) << s;
  }
}

TEST(Utf8, ReportsTheFirstBadByte) {
  struct Case {
    std::string_view bytes;
    std::size_t offset;
  };
  const Case cases[] = {
      {"\x80", 0},                          // lone continuation byte
      {"abc\xBF", 3},                       //
      {"\xC0\xAF", 0},                      // overlong '/'
      {"\xC1\xBF", 0},                      // overlong
      {"\xE0\x80\xAF", 0},                  // overlong 3-byte
      {"\xE0\x9F\xBF", 0},                  // overlong 3-byte, top of range
      {"\xF0\x80\x80\xAF", 0},              // overlong 4-byte
      {"\xF0\x8F\xBF\xBF", 0},              // overlong 4-byte, top of range
      {"ok \xED\xA0\x80", 3},               // surrogate U+D800
      {"\xED\xBF\xBF", 0},                  // surrogate U+DFFF
      {"\xF4\x90\x80\x80", 0},              // U+110000
      {"\xF5\x80\x80\x80", 0},              // lead byte beyond U+10FFFF
      {"\xFF", 0},                          //
      {"\xFE", 0},                          //
      {"x\xC3", 1},                         // truncated at end
      {"x\xE6\x97", 1},                     // truncated at end
      {"x\xF0\x9F\x9A", 1},                 // truncated at end
      {"\xC3(", 0},                         // continuation missing
      {"\xE6\x97(", 0},                     // third byte missing
      {"\xF0\x9F\x9A(", 0},                 // fourth byte missing
      {"\xC3\xA9\xC3\xA9\xC3", 4},          // after valid multibyte text
      {"0123456789abcdef\x80", 16},         // after the eight-byte fast path
      {"01234567\xC3\xA9" "89abcdefgh\xFF", 20},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(find_invalid_utf8(c.bytes), c.offset) << testing::PrintToString(std::string(c.bytes));
  }
}
