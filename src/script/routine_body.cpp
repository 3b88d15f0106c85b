#include "script/routine_body.hpp"

#include <pg_query.h>

#include <nlohmann/json.hpp>

namespace strata::script_detail {
namespace {

using nlohmann::json;

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

}  // namespace

std::pair<int, bool> first_transaction_control(std::string_view plpgsql_body) {
  // The PL/pgSQL parser reads only CREATE FUNCTION text: the body goes into one, under a dollar
  // tag it does not contain, starting right after the tag so its line numbers are the body's.
  std::string tag = "$strata_body$";
  for (int n = 0; plpgsql_body.find(tag) != std::string_view::npos; ++n) tag = "$strata_body" + std::to_string(n) + "$";
  const std::string wrapped = "CREATE FUNCTION strata_inline() RETURNS void LANGUAGE plpgsql AS " + tag +
                              std::string(plpgsql_body) + tag;
  PgQueryPlpgsqlParseResult result = pg_query_parse_plpgsql(wrapped.c_str());
  int line = 0;
  bool commit = true;
  if (!result.error && result.plpgsql_funcs) {
    const json tree = json::parse(result.plpgsql_funcs, nullptr, false);
    if (!tree.is_discarded()) find_control(tree, line, commit);
  }
  pg_query_free_plpgsql_parse_result(result);
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
