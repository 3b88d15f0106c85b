#include "script/parse_tree.hpp"

#include <pg_query.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "script/lexer.hpp"

namespace strata::script_detail {
namespace {

// The first keywords of every statement that is not plainly transactional. Only these are parsed
// a second time for their tree: a JSON tree of a whole 100 MB script of INSERTs would take
// gigabytes, a tree of one CREATE INDEX takes nothing.
// DO and CALL are read for transaction control in PL/pgSQL bodies (routine_body.hpp).
constexpr std::array<std::string_view, 12> kCandidates{"alter", "call",    "cluster", "commit",   "copy",   "create",
                                                       "discard", "do",    "drop",    "reindex", "rollback", "vacuum"};

// Among CREATE, ALTER and DROP statements, only those holding one of these words can be a kind
// the tree decides (statement_kind.cpp: INDEX/DETACH CONCURRENTLY, DATABASE, TABLESPACE, SYSTEM,
// SUBSCRIPTION) or a routine whose body is read (routine_body.hpp). A keyword is always written
// out, unquoted, so a statement without the word is plainly transactional and its tree, the
// costliest part of splitting a schema migration, is never built. A word inside a name, string
// or comment only costs that parse.
constexpr std::array<std::string_view, 7> kTreeWords{"concurrently", "database", "tablespace", "system",
                                                     "subscription", "function", "procedure"};

bool needs_tree(std::string_view sql) {
  if (std::none_of(kCandidates.begin(), kCandidates.end(),
                   [sql](std::string_view word) { return starts_with_keyword(sql, word); })) {
    return false;
  }
  if (!starts_with_keyword(sql, "create") && !starts_with_keyword(sql, "alter") && !starts_with_keyword(sql, "drop")) {
    return true;
  }
  return std::any_of(kTreeWords.begin(), kTreeWords.end(), [sql](std::string_view word) { return mentions(sql, word); });
}

}  // namespace

Classified classify_statement(std::string_view sql) { return needs_tree(sql) ? classify_tree(sql) : Classified{}; }

Classified classify_tree(std::string_view sql) {
  const std::string input(sql);  // libpg_query wants a NUL-terminated string
  PgQueryParseResult result = pg_query_parse(input.c_str());
  Classified kind;
  if (!result.error) {
    const nlohmann::json tree = nlohmann::json::parse(result.parse_tree);
    const nlohmann::json stmts = tree.value("stmts", nlohmann::json::array());
    if (stmts.size() == 1) {
      const nlohmann::json stmt = stmts.front().value("stmt", nlohmann::json::object());
      kind = classify(stmt);
      kind.routine = inspect_routine(stmt, sql);
    }
  }
  pg_query_free_parse_result(result);
  return kind;
}

ParsedText parse_text(std::string_view text) {
  ParsedText out;
  const std::string input(text);
  PgQuerySplitResult result = pg_query_split_with_parser(input.c_str());
  if (result.error) {
    out.ok = false;
    out.error = result.error->message ? result.error->message : "syntax error";
    // The parser's cursor counts characters, not bytes.
    out.error_offset = result.error->cursorpos > 0 ? byte_offset_of_char(text, result.error->cursorpos) : 0;
    pg_query_free_split_result(result);
    return out;
  }
  out.statements.reserve(static_cast<std::size_t>(result.n_stmts));
  for (int i = 0; i < result.n_stmts; ++i) {
    const PgQuerySplitStmt* s = result.stmts[i];
    const std::size_t begin = std::min(text.size(), static_cast<std::size_t>(s->stmt_location));
    const std::size_t end = std::min(text.size(), begin + static_cast<std::size_t>(s->stmt_len));
    out.statements.push_back({begin, end, classify_statement(text.substr(begin, end - begin))});
  }
  pg_query_free_split_result(result);
  return out;
}

}  // namespace strata::script_detail
