#pragma once
// The SQL script engine: split a migration's text into statements and map positions back to
// file lines. No database dependency.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in characters
};

// How a statement has to run, decided from its parse tree.
enum class StatementKind {
  Transactional,  // anything that may run inside a transaction block
  NoTransaction,  // PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...)
  CopyFromStdin,  // COPY ... FROM STDIN, sent together with the data rows that follow it in the script
};

std::string_view kind_name(StatementKind kind) noexcept;

struct Statement {
  std::string_view sql;     // a view into the script text, without the terminating ';'
  std::size_t offset = 0;   // byte offset of `sql` in the script text
  TextPosition start;       // line and column of `offset` in the script text
  StatementKind kind = StatementKind::Transactional;
  // NoTransaction: the command as the server names it when refusing it ("CREATE INDEX CONCURRENTLY").
  std::string_view requirement;
  // CopyFromStdin: the rows after the statement's line, each with its newline, without the `\.` line.
  std::string_view copy_data;
  std::size_t copy_data_offset = 0;
  TextPosition copy_data_start;
  // A DO block's or CREATE FUNCTION/PROCEDURE's body: its byte offset in the script text (npos:
  // none found), so that the server's "PL/pgSQL function ... line N" maps to a line of the file.
  std::size_t body_offset = std::string_view::npos;
  std::string routine;  // CREATE FUNCTION/PROCEDURE: the name it creates, as the parser folded it
  // A COMMIT or ROLLBACK this statement runs, which PostgreSQL allows only outside a transaction
  // block: in a DO block's body, or in a procedure created earlier in the script that it CALLs.
  // Byte offset in the script text of the line it is on; npos: none.
  std::size_t transaction_control_offset = std::string_view::npos;
};

// Text no statement can be read from: an unterminated quote, dollar quote or comment, COPY data
// without its `\.` line, or a psql meta-command (`\i`, `\set`, `\connect`, ...: psql runs them,
// the server cannot). Nothing of such a script may run.
struct ScriptDefect {
  std::size_t offset = 0;  // where the problem starts in the script text
  std::string cause;       // one line naming it
};

// A psql-only line left out of what runs: pg_dump's `\restrict KEY` / `\unrestrict KEY` guards,
// which only tell psql to refuse meta-commands in the data that follows.
struct SkippedLine {
  std::size_t offset = 0;  // where the line starts in the script text
  std::string_view text;   // the line, without its newline
};

struct SplitScript {
  std::vector<Statement> statements;
  std::vector<SkippedLine> skipped;
  bool parsed = true;  // false: the PostgreSQL parser rejected the text and a lexical split was used
  std::string parse_error;  // the parser's message when parsed == false
  std::size_t parse_error_offset = 0;
  std::optional<ScriptDefect> defect;
};

// Splits `text` (which must outlive the result) with the PostgreSQL parser, falling back to the
// lexical scanner for pieces the parser rejects. COPY ... FROM STDIN takes the rows after it up to
// a `\.` line (the parser never sees them). A line starting with a backslash outside any quote,
// comment or COPY data is a psql meta-command: `\restrict` and `\unrestrict` are skipped (listed
// in `skipped`), any other is the script's defect. Empty statements are dropped.
SplitScript split_statements(std::string_view text);

// split_statements in batches: each call to next() yields the statements of roughly the next
// `batch_bytes` of text, so a script of a million statements is never held (nor parsed into one
// tree) at once. Offsets and positions count from the start of `text` (which must outlive the
// stream and its batches), exactly as split_statements gives them; `skipped` and the parser's
// verdict are per batch, and a defect ends the stream in the batch that finds it. The parser reads
// one batch at a time: where a cut falls inside what only it reads as one statement (BEGIN ATOMIC
// bodies, CREATE RULE actions) the batch is extended until it parses.
class ScriptStream {
 public:
  static constexpr std::size_t kDefaultBatchBytes = std::size_t{1} << 18;
  explicit ScriptStream(std::string_view text, std::size_t batch_bytes = kDefaultBatchBytes);
  ~ScriptStream();
  ScriptStream(const ScriptStream&) = delete;
  ScriptStream& operator=(const ScriptStream&) = delete;
  // Replaces `batch` with the next batch; false (batch left empty) once the script is done.
  bool next(SplitScript& batch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Line and column of a byte offset in `text`.
TextPosition position_at(std::string_view text, std::size_t byte_offset) noexcept;
// The position reached after the first `length` bytes of `text` when it starts at `from`:
// counting on from a known position instead of from the start keeps a large file linear.
TextPosition advance_position(TextPosition from, std::string_view text, std::size_t length) noexcept;

// Byte offset of the 1-based character position `char_position` in `text` (as the server reports
// error positions), clamped to the text's size.
std::size_t byte_offset_of_char(std::string_view text, int char_position) noexcept;

// The text without a leading UTF-8 byte-order mark.
std::string_view strip_bom(std::string_view text) noexcept;

// One placeholder replacement: the bytes [out_begin, out_end) of the replaced text stand where
// [raw_begin, raw_end) stood in the text as written.
struct Splice {
  std::size_t raw_begin = 0;
  std::size_t raw_end = 0;
  std::size_t out_begin = 0;
  std::size_t out_end = 0;
};

// The byte offset in the text as written that `offset` in the replaced text comes from, for
// `splices` in increasing order: a value longer or shorter than its placeholder, or one spanning
// lines, would otherwise move every later error position. An offset inside a value maps to its
// placeholder, the only place in the file the user can look at.
std::size_t original_offset(const std::vector<Splice>& splices, std::size_t offset) noexcept;

}  // namespace strata
