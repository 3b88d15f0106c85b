// Splitting a script: the lexer finds where statements may end, the PostgreSQL parser decides
// (falling back to the lexer where it cannot read the text), COPY rows and psql meta-command lines
// are cut out before the parser sees them. ScriptStream does it a bounded batch at a time;
// split_statements is one batch of everything.
#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "script/copy_data.hpp"
#include "script/lexer.hpp"
#include "script/parse_tree.hpp"
#include "strata/interrupt.hpp"
#include "strata/script.hpp"

namespace strata {
namespace {

using namespace script_detail;

// Byte offset of the start of the 1-based `line` counted from `from` in `text`.
std::size_t line_start(std::string_view text, std::size_t from, int line) {
  for (int l = 1; l < line; ++l) {
    const std::size_t eol = text.find('\n', from);
    if (eol == std::string_view::npos) return from;
    from = eol + 1;
  }
  return from;
}

// The splitters report each statement's start right after the previous ';', so the range can
// begin with whitespace; statement offsets (for error lines) should point at the first token.
// Leading comments stay: they are part of what the server sees and reports positions in.
// `parsed_at`: where the text `kind` was classified from starts (the body offset counts from it).
bool add_statement(SplitScript& out, std::string_view text, std::size_t begin, std::size_t end,
                   const Classified& kind) {
  const std::size_t parsed_at = begin;
  while (begin < end && is_blank(text[begin])) ++begin;
  if (begin >= end) return false;
  const std::string_view sql = text.substr(begin, end - begin);
  if (first_token(sql) == sql.size()) return false;  // only comments
  Statement statement;
  statement.sql = sql;
  statement.offset = begin;
  statement.kind = kind.kind;
  statement.requirement = kind.requirement;
  const RoutineBody& routine = kind.routine;
  if (routine.has_body) statement.body_offset = parsed_at + routine.begin;
  if (!routine.is_call) statement.routine = routine.routine;
  if (routine.is_do && routine.control_line > 0 && routine.has_body) {
    statement.kind = StatementKind::NoTransaction;
    statement.requirement = routine.control_is_commit ? "COMMIT inside a DO block" : "ROLLBACK inside a DO block";
    statement.transaction_control_offset = line_start(text, statement.body_offset, routine.control_line);
  }
  out.statements.push_back(std::move(statement));
  return true;
}

bool is_copy_from_stdin(std::string_view sql) {
  return starts_with_keyword(sql, "copy") && classify_statement(sql).kind == StatementKind::CopyFromStdin;
}

}  // namespace

struct ScriptStream::State {
  std::string_view text;
  std::size_t batch_bytes;
  std::size_t pos = 0;
  std::size_t piece = 0;  // where the text not yet handed to the parser starts
  std::size_t cut_at;     // the piece is parsed once it reaches this size
  std::vector<std::pair<std::size_t, std::size_t>> lexical;  // the current piece's statements, by the lexer
  SplitScript out;
  std::vector<RoutineBody> routines;  // of each statement in `out`, for mark_calls
  // Procedures created so far whose body commits or rolls back: name, the line offset of that.
  std::vector<std::pair<std::string, std::size_t>> committing;
  std::size_t positioned = 0;  // assign_positions has counted lines up to here
  TextPosition position;
  std::size_t batch_start = 0;
  bool done = false;

  State(std::string_view t, std::size_t bytes) : text(t), batch_bytes(bytes), cut_at(bytes) {}

  void add(std::size_t begin, std::size_t end, const Classified& kind) {
    if (add_statement(out, text, begin, end, kind)) routines.push_back(kind.routine);
  }

  void fall_back(const ParsedText& parsed, std::size_t begin) {
    if (out.parsed) {
      out.parsed = false;
      out.parse_error = parsed.error;
      out.parse_error_offset = begin + parsed.error_offset;
    }
    for (const auto& [b, e] : lexical) add(b, e, classify_statement(text.substr(b, e - b)));
  }

  // Adds the statements of text[begin, end): the parser's when it reads them, else the lexer's
  // (libpg_query 15-4.0's own scanner split drops statements that start with an unknown word,
  // exactly the text that lands here). Returns whether the parser read them.
  bool add_piece(std::size_t begin, std::size_t end) {
    const ParsedText parsed = parse_text(text.substr(begin, end - begin));
    if (parsed.ok) {
      for (const ParsedStatement& s : parsed.statements) add(begin + s.begin, begin + s.end, s.kind);
    } else {
      fall_back(parsed, begin);
    }
    lexical.clear();
    cut_at = batch_bytes;
    return parsed.ok;
  }

  // The piece has grown past the batch size at a statement end: parse it. A parse error in its
  // last statement may only be the cut (inside a BEGIN ATOMIC body, say): then the piece grows
  // to twice the size and is tried again. An error before it is the text's own.
  void cut() {
    const ParsedText parsed = parse_text(text.substr(piece, pos - piece));
    if (!parsed.ok && piece + parsed.error_offset >= lexical.back().first) {
      cut_at = std::max(cut_at, pos - piece) * 2;
      return;
    }
    if (parsed.ok) {
      for (const ParsedStatement& s : parsed.statements) add(piece + s.begin, piece + s.end, s.kind);
    } else {
      fall_back(parsed, piece);
    }
    lexical.clear();
    cut_at = batch_bytes;
    piece = pos;
  }

  void attach_rows(const CopyRows& rows) {
    if (out.statements.empty()) return;
    Statement& copy = out.statements.back();
    copy.kind = StatementKind::CopyFromStdin;
    copy.copy_data = text.substr(rows.begin, rows.end - rows.begin);
    copy.copy_data_offset = rows.begin;
  }

  // Reads on until the batch is full, the text ends or a defect stops it.
  void fill();
  void finish_batch();
  void mark_calls();
  void assign_positions();
};

// A CALL of a procedure created earlier in the script whose body commits or rolls back runs that
// transaction control itself (a procedure created elsewhere is the server's to judge).
void ScriptStream::State::mark_calls() {
  std::vector<Statement>& statements = out.statements;
  for (std::size_t i = 0; i < statements.size() && i < routines.size(); ++i) {
    const RoutineBody& r = routines[i];
    Statement& s = statements[i];
    if (r.is_procedure && r.control_line > 0 && r.has_body) {
      committing.emplace_back(r.routine, line_start(text, s.body_offset, r.control_line));
    } else if (r.is_call) {
      for (const auto& [name, at] : committing) {
        if (name != r.routine) continue;
        s.kind = StatementKind::NoTransaction;
        s.requirement = "CALL of a procedure that commits or rolls back";
        s.transaction_control_offset = at;
      }
    }
  }
  routines.clear();
}

// Line:col of every statement and data block, counting on from where the last batch stopped.
void ScriptStream::State::assign_positions() {
  auto advance = [&](std::size_t offset) {
    position = advance_position(position, text.substr(positioned, offset - positioned), offset - positioned);
    positioned = offset;
    return position;
  };
  for (Statement& s : out.statements) {
    if (s.offset < positioned) continue;
    s.start = advance(s.offset);
    if (s.kind == StatementKind::CopyFromStdin && s.copy_data_offset >= positioned) {
      s.copy_data_start = advance(s.copy_data_offset);
    }
  }
}

void ScriptStream::State::finish_batch() {
  mark_calls();
  assign_positions();
  batch_start = pos;
}

void ScriptStream::State::fill() {
  std::optional<ScriptDefect> unterminated;
  while (pos < text.size()) {
    const StatementEnd end = scan_statement(text, pos);
    lexical.emplace_back(pos, end.end);
    if (end.unterminated) {
      unterminated = ScriptDefect{end.opened_at, std::string(end.cause)};
      break;
    }
    if (end.meta_command) {
      const MetaCommandLine meta = meta_command_line(text, end.end);
      if (meta.name != "\\restrict" && meta.name != "\\unrestrict") {
        out.defect = ScriptDefect{end.end, "psql meta-command " + std::string(meta.name) + " is not SQL; strata runs SQL only"};
        done = true;
        return finish_batch();
      }
      std::string_view line = text.substr(end.end, meta.end - end.end);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out.skipped.push_back({end.end, line});
      add_piece(piece, end.end);
      piece = pos = std::min(text.size(), meta.end + 1);
    } else if (const std::string_view sql = text.substr(pos, end.end - pos); is_copy_from_stdin(sql)) {
      const std::size_t after = std::min(text.size(), end.end + 1);
      const CopyRows rows = find_copy_rows(text, pos + first_token(sql), after);
      if (!rows.problem.empty()) {
        out.defect = ScriptDefect{rows.problem_at, std::string(rows.problem)};
        done = true;
        return finish_batch();
      }
      add_piece(piece, after);
      attach_rows(rows);
      piece = pos = rows.resume;
    } else {
      pos = std::min(text.size(), end.end + 1);
      if (pos < text.size() && pos - piece >= cut_at) cut();
    }
    if (piece == pos && pos - batch_start >= batch_bytes && pos < text.size()) return finish_batch();
  }
  // The lexer only speaks when the parser cannot read the text either.
  if (!add_piece(piece, text.size()) && unterminated) out.defect = unterminated;
  piece = pos = text.size();
  done = true;
  finish_batch();
}

ScriptStream::ScriptStream(std::string_view text, std::size_t batch_bytes)
    : state_(std::make_unique<State>(text, batch_bytes)) {}

ScriptStream::~ScriptStream() = default;

bool ScriptStream::next(SplitScript& batch) {
  batch = SplitScript{};
  if (state_->done) return false;
  // A large file takes seconds to split and parse: SIGTERM/SIGINT is acted on between batches.
  throw_if_interrupted();
  state_->fill();
  batch = std::move(state_->out);
  state_->out = SplitScript{};
  return true;
}

SplitScript split_statements(std::string_view text) {
  ScriptStream stream(text, std::numeric_limits<std::size_t>::max());
  SplitScript out;
  stream.next(out);
  return out;
}

}  // namespace strata
