#include "strata/script.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "script/copy_data.hpp"
#include "script/lexer.hpp"
#include "script/parse_tree.hpp"

namespace strata {
namespace {

using namespace script_detail;

// The splitters report each statement's start right after the previous ';', so the range can
// begin with whitespace; statement offsets (for error lines) should point at the first token.
// Leading comments stay: they are part of what the server sees and reports positions in.
// Byte offset of the start of the 1-based `line` counted from `from` in `text`.
std::size_t line_start(std::string_view text, std::size_t from, int line) {
  for (int l = 1; l < line; ++l) {
    const std::size_t eol = text.find('\n', from);
    if (eol == std::string_view::npos) return from;
    from = eol + 1;
  }
  return from;
}

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

// A CALL of a procedure created earlier in the script whose body commits or rolls back runs that
// transaction control itself (a procedure created elsewhere is the server's to judge).
void mark_calls(std::vector<Statement>& statements, const std::vector<RoutineBody>& routines, std::string_view text) {
  std::vector<std::pair<std::string, std::size_t>> committing;  // procedure name, its COMMIT's line offset
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
}

bool is_copy_from_stdin(std::string_view sql) {
  return starts_with_keyword(sql, "copy") && classify_statement(sql).kind == StatementKind::CopyFromStdin;
}

struct Splitter {
  std::string_view text;
  SplitScript out;
  std::vector<std::pair<std::size_t, std::size_t>> lexical;  // the current piece's statements, by the lexer
  std::vector<RoutineBody> routines;  // of each statement in `out`, for mark_calls

  void add(std::size_t begin, std::size_t end, const Classified& kind) {
    if (add_statement(out, text, begin, end, kind)) routines.push_back(kind.routine);
  }

  // Adds the statements of text[begin, end): the parser's when it reads them, else the lexer's
  // (libpg_query 15-4.0's own scanner split drops statements that start with an unknown word,
  // exactly the text that lands here). Returns whether the parser read them.
  bool add_piece(std::size_t begin, std::size_t end) {
    const ParsedText parsed = parse_text(text.substr(begin, end - begin));
    if (parsed.ok) {
      for (const ParsedStatement& s : parsed.statements) add(begin + s.begin, begin + s.end, s.kind);
    } else {
      if (out.parsed) {
        out.parsed = false;
        out.parse_error = parsed.error;
        out.parse_error_offset = begin + parsed.error_offset;
      }
      for (const auto& [b, e] : lexical) add(b, e, classify_statement(text.substr(b, e - b)));
    }
    lexical.clear();
    return parsed.ok;
  }

  void attach_rows(const CopyRows& rows) {
    if (out.statements.empty()) return;
    Statement& copy = out.statements.back();
    copy.kind = StatementKind::CopyFromStdin;
    copy.copy_data = text.substr(rows.begin, rows.end - rows.begin);
    copy.copy_data_offset = rows.begin;
  }
};

// Line:col of every statement and data block in one pass over the text.
void assign_positions(SplitScript& out, std::string_view text) {
  std::size_t at = 0;
  TextPosition pos;
  auto advance = [&](std::size_t offset) {
    const TextPosition step = position_at(text.substr(at, offset - at), offset - at);
    if (step.line > 1) {
      pos.line += step.line - 1;
      pos.column = step.column;
    } else {
      pos.column += step.column - 1;
    }
    at = offset;
    return pos;
  };
  for (Statement& s : out.statements) {
    if (s.offset < at) continue;
    s.start = advance(s.offset);
    if (s.kind == StatementKind::CopyFromStdin && s.copy_data_offset >= at) s.copy_data_start = advance(s.copy_data_offset);
  }
}

}  // namespace

std::string_view kind_name(StatementKind kind) noexcept {
  switch (kind) {
    case StatementKind::Transactional: return "transactional";
    case StatementKind::NoTransaction: return "no-transaction";
    case StatementKind::CopyFromStdin: return "copy-from-stdin";
  }
  return "unknown";
}

SplitScript split_statements(std::string_view text) {
  Splitter s{text, {}, {}, {}};
  std::size_t piece = 0;
  std::size_t pos = 0;
  std::optional<ScriptDefect> unterminated;
  while (pos < text.size()) {
    const StatementEnd end = scan_statement(text, pos);
    s.lexical.emplace_back(pos, end.end);
    if (end.unterminated) {
      unterminated = ScriptDefect{end.opened_at, std::string(end.cause)};
      break;
    }
    if (end.meta_command) {
      const MetaCommandLine meta = meta_command_line(text, end.end);
      if (meta.name != "\\restrict" && meta.name != "\\unrestrict") {
        s.out.defect = ScriptDefect{end.end, "psql meta-command " + std::string(meta.name) +
                                                 " is not SQL; strata runs SQL only"};
        return std::move(s.out);
      }
      std::string_view line = text.substr(end.end, meta.end - end.end);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      s.out.skipped.push_back({end.end, line});
      s.add_piece(piece, end.end);
      piece = pos = std::min(text.size(), meta.end + 1);
      continue;
    }
    const std::string_view sql = text.substr(pos, end.end - pos);
    if (is_copy_from_stdin(sql)) {
      const std::size_t after = std::min(text.size(), end.end + 1);
      const CopyRows rows = find_copy_rows(text, pos + first_token(sql), after);
      if (!rows.problem.empty()) {
        s.out.defect = ScriptDefect{rows.problem_at, std::string(rows.problem)};
        return std::move(s.out);
      }
      s.add_piece(piece, after);
      s.attach_rows(rows);
      piece = pos = rows.resume;
      continue;
    }
    pos = end.end + 1;
  }
  // The lexer only speaks when the parser cannot read the text either.
  if (!s.add_piece(piece, text.size()) && unterminated) s.out.defect = unterminated;
  mark_calls(s.out.statements, s.routines, text);
  assign_positions(s.out, text);
  return std::move(s.out);
}

std::string_view strip_bom(std::string_view text) noexcept {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    return text.substr(3);
  }
  return text;
}

std::size_t original_offset(const std::vector<Splice>& splices, std::size_t offset) noexcept {
  auto after = std::upper_bound(splices.begin(), splices.end(), offset,
                                [](std::size_t o, const Splice& s) { return o < s.out_begin; });
  if (after == splices.begin()) return offset;
  const Splice& s = *std::prev(after);
  if (offset < s.out_end) return s.raw_begin;
  return s.raw_end + (offset - s.out_end);
}

TextPosition position_at(std::string_view text, std::size_t byte_offset) noexcept {
  TextPosition pos;
  byte_offset = std::min(byte_offset, text.size());
  for (std::size_t i = 0; i < byte_offset; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if (c == '\r') {
      // \r\n counts once; a lone \r ends a line too, as Flyway's line reader sees it.
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      ++pos.line;
      pos.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++pos.column;
    }
  }
  return pos;
}

std::size_t byte_offset_of_char(std::string_view text, int char_position) noexcept {
  if (char_position <= 1) return 0;
  int chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (++chars == char_position) return i;
    }
  }
  return text.size();
}

}  // namespace strata
