#pragma once
// The PostgreSQL 15 parser (libpg_query) on a piece of a script: statement boundaries and kinds.
// Private to src/script*.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "script/statement_kind.hpp"

namespace strata::script_detail {

struct ParsedStatement {
  std::size_t begin = 0;  // byte offsets in the parsed text, without the terminating ';'
  std::size_t end = 0;
  Classified kind;
};

struct ParsedText {
  bool ok = true;
  std::string error;            // the parser's message when !ok
  std::size_t error_offset = 0;  // byte offset in the parsed text
  std::vector<ParsedStatement> statements;
};

// Statement boundaries from the parser, each statement's kind from its own tree.
ParsedText parse_text(std::string_view text);

// The kind of one statement parsed alone; transactional when the parser cannot read it. Its tree
// is built only when a word it could decide on appears in the statement.
Classified classify_statement(std::string_view sql);
// The same from the statement's tree, always built (for tests of that filter).
Classified classify_tree(std::string_view sql);

}  // namespace strata::script_detail
