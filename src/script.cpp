#include "strata/script.hpp"

#include <pg_query.h>

#include <algorithm>
#include <iterator>

namespace strata {
namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; });
}

// The splitters report each statement's start right after the previous ';', so the range can
// begin with whitespace; statement offsets (for error lines) should point at the first token.
// Leading comments stay: they are part of what the server sees and reports positions in.
void add_statement(SplitScript& out, std::string_view text, std::size_t begin, std::size_t end) {
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t' || text[begin] == '\n' ||
                         text[begin] == '\r' || text[begin] == '\f' || text[begin] == '\v')) {
    ++begin;
  }
  if (begin >= end) return;
  std::string_view sql = text.substr(begin, end - begin);
  if (is_blank(sql)) return;
  out.statements.push_back(Statement{sql, begin});
}

// Lexical split for text the parser rejects: honours quotes, E'' escapes, dollar quotes and
// nested block comments, so the server still sees whole statements and reports its own error.
// (libpg_query 15-4.0's pg_query_split_with_scanner drops statements that start with an unknown
// word, which is exactly the text that lands here.)
void lexical_split(SplitScript& out, std::string_view text) {
  const std::size_t n = text.size();
  std::size_t start = 0;
  std::size_t i = 0;
  auto ident_char = [](unsigned char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
  };
  while (i < n) {
    char c = text[i];
    if (c == '-' && i + 1 < n && text[i + 1] == '-') {
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      int depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] == '/' && i + 1 < n && text[i + 1] == '*') { ++depth; i += 2; }
        else if (text[i] == '*' && i + 1 < n && text[i + 1] == '/') { --depth; i += 2; }
        else ++i;
      }
    } else if (c == '\'' || c == '"') {
      bool escapes = c == '\'' && i > 0 && (text[i - 1] == 'E' || text[i - 1] == 'e') &&
                     (i < 2 || !ident_char(static_cast<unsigned char>(text[i - 2])));
      ++i;
      while (i < n) {
        if (escapes && text[i] == '\\') { i += 2; continue; }
        if (text[i] == c) {
          if (i + 1 < n && text[i + 1] == c) { i += 2; continue; }
          break;
        }
        ++i;
      }
      ++i;
    } else if (c == '$' && (i == 0 || !ident_char(static_cast<unsigned char>(text[i - 1])))) {
      std::size_t j = i + 1;
      while (j < n && ident_char(static_cast<unsigned char>(text[j])) && !(text[j] >= '0' && text[j] <= '9' && j == i + 1)) ++j;
      if (j < n && text[j] == '$') {
        std::string_view tag = text.substr(i, j - i + 1);
        std::size_t close = text.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
      } else {
        ++i;
      }
    } else if (c == ';') {
      add_statement(out, text, start, i);
      start = ++i;
    } else {
      ++i;
    }
  }
  add_statement(out, text, start, n);
}

}  // namespace

std::string_view strip_bom(std::string_view text) noexcept {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    return text.substr(3);
  }
  return text;
}

SplitScript split_statements(std::string_view text) {
  SplitScript out;
  // libpg_query wants a NUL-terminated string.
  std::string input(text);
  PgQuerySplitResult result = pg_query_split_with_parser(input.c_str());
  if (result.error) {
    out.parsed = false;
    out.parse_error = result.error->message ? result.error->message : "syntax error";
    out.parse_error_offset =
        result.error->cursorpos > 0 ? static_cast<std::size_t>(result.error->cursorpos - 1) : 0;
    pg_query_free_split_result(result);
    lexical_split(out, text);
    return out;
  }
  out.statements.reserve(static_cast<std::size_t>(result.n_stmts));
  for (int i = 0; i < result.n_stmts; ++i) {
    const PgQuerySplitStmt* s = result.stmts[i];
    std::size_t begin = static_cast<std::size_t>(s->stmt_location);
    std::size_t end = std::min(text.size(), begin + static_cast<std::size_t>(s->stmt_len));
    add_statement(out, text, begin, end);
  }
  pg_query_free_split_result(result);
  return out;
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
