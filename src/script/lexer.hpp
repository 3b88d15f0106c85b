#pragma once
// The lexical layer of the script engine: where a statement ends, honouring quotes, E'' escapes,
// dollar quotes and nested block comments as PostgreSQL's lexer does. Private to src/script*.
#include <cstddef>
#include <string_view>

namespace strata::script_detail {

struct StatementEnd {
  std::size_t end = 0;        // offset of the terminating ';', or the text's size
  bool unterminated = false;  // a quote or comment runs to the end of the text
  std::size_t opened_at = 0;  // where that quote or comment starts
  std::string_view cause;     // what is unterminated, for the user
  // `end` is a backslash that starts a line (after blanks) outside any quote or comment: a psql
  // meta-command (\i, \set, pg_dump's \restrict), which psql runs itself and never sends.
  bool meta_command = false;
};

// Scans the statement starting at `begin`.
StatementEnd scan_statement(std::string_view text, std::size_t begin);

// Offset of the first token of `text` (past blanks and comments), or text.size().
std::size_t first_token(std::string_view text);

// Whether the first token of `statement` is the keyword `word` (ASCII, case-insensitive).
bool starts_with_keyword(std::string_view statement, std::string_view word);

// Whether the second token of `statement` is the keyword `word` ("table" of "CREATE TABLE t").
bool second_keyword_is(std::string_view statement, std::string_view word);

// Whether `text` holds `word` (lower-case ASCII) anywhere, in any case: inside a word, a string or
// a comment too. Cheap and over-inclusive on purpose, to rule a parse out, never in.
bool mentions(std::string_view text, std::string_view word);

bool is_blank(char c);

// The meta-command name of the line starting at `at` ("\\restrict" of "\\restrict KEY"), and
// where the line ends (its newline, or the text's size).
struct MetaCommandLine {
  std::string_view name;
  std::size_t end = 0;
};
MetaCommandLine meta_command_line(std::string_view text, std::size_t at);

}  // namespace strata::script_detail
