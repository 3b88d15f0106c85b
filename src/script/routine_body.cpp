#include "script/routine_body.hpp"

#include <pg_query.h>

#include <nlohmann/json.hpp>

#include <cctype>

namespace strata::script_detail {
namespace {

using nlohmann::json;

// Offset of the next `word` (ASCII, any case) standing alone in `text` from `from`, or npos.
std::size_t find_word(const std::string& text, std::string_view word, std::size_t from) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = from; at + word.size() <= text.size(); ++at) {
    bool match = true;
    for (std::size_t i = 0; i < word.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(text[at + i])) == word[i];
    if (match && (at == 0 || !word_char(text[at - 1])) &&
        (at + word.size() == text.size() || !word_char(text[at + word.size()])))
      return at;
  }
  return std::string::npos;
}

// The last name of a qualified name list, as the parser folded it ("s.P" -> "p").
std::string last_name(const json& names) {
  if (!names.is_array() || names.empty()) return {};
  return names.back().value("String", json::object()).value("sval", "");
}

// The DefElem `name` of an options list, or null.
const json* def_elem(const json& options, std::string_view name) {
  if (!options.is_array()) return nullptr;
  for (const json& item : options) {
    const json* def = item.contains("DefElem") ? &item["DefElem"] : nullptr;
    if (def && def->value("defname", "") == name) return def;
  }
  return nullptr;
}

// A function's `AS` argument is a list (body, or object file and link symbol); a DO's a string.
std::string body_text(const json& as) {
  const json& arg = as.value("arg", json::object());
  if (arg.contains("String")) return arg["String"].value("sval", "");
  const json items = arg.value("List", json::object()).value("items", json::array());
  if (items.size() != 1) return {};
  return items.front().value("String", json::object()).value("sval", "");
}

std::string language(const json& options) {
  const json* def = def_elem(options, "language");
  if (!def) return "plpgsql";  // DO's default; CREATE FUNCTION needs one, checked by the server
  return (*def).value("arg", json::object()).value("String", json::object()).value("sval", "");
}

// Earliest COMMIT / ROLLBACK anywhere in a PL/pgSQL parse tree.
void find_control(const json& node, int& line, bool& commit) {
  if (node.is_array()) {
    for (const json& item : node) find_control(item, line, commit);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    const bool is_commit = key == "PLpgSQL_stmt_commit";
    if (is_commit || key == "PLpgSQL_stmt_rollback") {
      const int at = value.value("lineno", 0);
      if (at > 0 && (line == 0 || at < line)) {
        line = at;
        commit = is_commit;
      }
    }
    find_control(value, line, commit);
  }
}

// Fills the body's place and transaction control from its `AS` element.
void read_body(const json& as, std::string_view sql, bool plpgsql, RoutineBody& out) {
  const std::string body = body_text(as);
  if (body.empty()) return;
  const std::size_t from = static_cast<std::size_t>(std::max(0, as.value("location", 0)));
  const std::size_t at = sql.find(body, from < sql.size() ? from : 0);
  // A body written as '...' with doubled quotes is not a substring of the text: no line mapping.
  if (at != std::string_view::npos) {
    out.has_body = true;
    out.begin = at;
  }
  if (plpgsql) std::tie(out.control_line, out.control_is_commit) = first_transaction_control(body);
}

// The body with each `COLLATE name` blanked out, lines kept: libpg_query's PL/pgSQL parser has no
// catalog and rejects a variable declared `text COLLATE "C"` ("collations are not supported by
// type"), while the collation changes nothing about where the body commits.
std::string without_collations(std::string body) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = 0; (at = find_word(body, "collate", at)) != std::string::npos;) {
    std::size_t end = at + 7;
    while (end < body.size() && std::isspace(static_cast<unsigned char>(body[end]))) ++end;
    if (end < body.size() && body[end] == '"') {
      const std::size_t close = body.find('"', end + 1);
      end = close == std::string::npos ? body.size() : close + 1;
    } else {
      while (end < body.size() && (word_char(body[end]) || body[end] == '.')) ++end;
    }
    for (std::size_t i = at; i < end; ++i)
      if (body[i] != '\n') body[i] = ' ';
    at = end;
  }
  return body;
}

// Parses `body` as a PL/pgSQL function; false when the parser cannot read it.
bool parse_plpgsql(const std::string& body, int& line, bool& commit) {
  std::string tag = "$strata_body$";
  for (int n = 0; body.find(tag) != std::string::npos; ++n) tag = "$strata_body" + std::to_string(n) + "$";
  const std::string wrapped = "CREATE FUNCTION strata_inline() RETURNS void LANGUAGE plpgsql AS " + tag + body + tag;
  PgQueryPlpgsqlParseResult result = pg_query_parse_plpgsql(wrapped.c_str());
  const bool ok = !result.error && result.plpgsql_funcs;
  if (ok) {
    const json tree = json::parse(result.plpgsql_funcs, nullptr, false);
    if (!tree.is_discarded()) find_control(tree, line, commit);
  }
  pg_query_free_plpgsql_parse_result(result);
  return ok;
}

}  // namespace

std::pair<int, bool> first_transaction_control(std::string_view plpgsql_body) {
  // The PL/pgSQL parser reads only CREATE FUNCTION text: the body goes into one, under a dollar
  // tag it does not contain, starting right after the tag so its line numbers are the body's.
  int line = 0;
  bool commit = true;
  const std::string body(plpgsql_body);
  if (!parse_plpgsql(body, line, commit)) parse_plpgsql(without_collations(body), line, commit);
  return {line, commit};
}

RoutineBody inspect_routine(const json& stmt, std::string_view sql) {
  RoutineBody out;
  if (!stmt.is_object() || stmt.empty()) return out;
  const std::string& type = stmt.begin().key();
  const json& fields = stmt.begin().value();
  if (type == "DoStmt") {
    out.is_do = true;
    const json args = fields.value("args", json::array());
    if (const json* as = def_elem(args, "as")) read_body(*as, sql, language(args) == "plpgsql", out);
  } else if (type == "CreateFunctionStmt") {
    const json options = fields.value("options", json::array());
    out.routine = last_name(fields.value("funcname", json::array()));
    out.is_procedure = fields.value("is_procedure", false);
    // Only a procedure may commit; a function's body is read for its place alone.
    if (const json* as = def_elem(options, "as")) read_body(*as, sql, out.is_procedure && language(options) == "plpgsql", out);
  } else if (type == "CallStmt") {
    out.is_call = true;
    out.routine = last_name(fields.value("funccall", json::object()).value("funcname", json::array()));
  }
  return out;
}

}  // namespace strata::script_detail
