#pragma once
// The SQL script engine: split a migration's text into statements and map positions back to
// file lines. No database dependency.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in characters
};

struct Statement {
  std::string_view sql;     // a view into the script text, without the terminating ';'
  std::size_t offset = 0;   // byte offset of `sql` in the script text
};

struct SplitScript {
  std::vector<Statement> statements;
  bool parsed = true;  // false: the PostgreSQL parser rejected the text and a lexical split was used
  std::string parse_error;  // the parser's message when parsed == false
  std::size_t parse_error_offset = 0;
};

// Splits `text` (which must outlive the result) with the PostgreSQL parser, falling back to the
// lexical scanner when the parser rejects it. Empty statements are dropped.
SplitScript split_statements(std::string_view text);

// Line and column of a byte offset in `text`.
TextPosition position_at(std::string_view text, std::size_t byte_offset) noexcept;

// Byte offset of the 1-based character position `char_position` in `text` (as the server reports
// error positions), clamped to the text's size.
std::size_t byte_offset_of_char(std::string_view text, int char_position) noexcept;

// The text without a leading UTF-8 byte-order mark.
std::string_view strip_bom(std::string_view text) noexcept;

}  // namespace strata
