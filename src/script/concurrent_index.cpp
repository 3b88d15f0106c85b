// Which index a CREATE INDEX CONCURRENTLY or REINDEX ... CONCURRENTLY builds, from the statement's
// own parse tree, so that names in quotes, in other case or schema-qualified are read as the
// server reads them.
#include "strata/concurrent_index.hpp"

#include <pg_query.h>

#include <nlohmann/json.hpp>

#include "script/lexer.hpp"

namespace strata {
namespace {

using nlohmann::json;

bool concurrently(const json& reindex) {
  for (const json& item : reindex.value("params", json::array())) {
    const json& def = item.contains("DefElem") ? item["DefElem"] : item;
    if (def.value("defname", "") != "concurrently") continue;
    // REINDEX (CONCURRENTLY false) names the option and turns it off.
    const auto arg = def.find("arg");
    if (arg == def.end()) return true;
    if (arg->contains("Boolean")) return (*arg)["Boolean"].value("boolval", false);
    if (arg->contains("Integer")) return (*arg)["Integer"].value("ival", 0) != 0;
    const std::string v = arg->contains("String") ? (*arg)["String"].value("sval", "") : "";
    return !(v == "false" || v == "off" || v == "no" || v == "0");
  }
  return false;
}

std::optional<ConcurrentIndexTarget> target_of(const json& stmt) {
  if (!stmt.is_object() || stmt.empty()) return std::nullopt;
  const std::string& type = stmt.begin().key();
  const json& n = stmt.begin().value();
  const json relation = n.value("relation", json::object());
  ConcurrentIndexTarget t;
  t.schema = relation.value("schemaname", "");
  t.relation = relation.value("relname", "");
  if (t.relation.empty()) return std::nullopt;
  if (type == "IndexStmt") {
    if (!n.value("concurrent", false)) return std::nullopt;
    t.kind = ConcurrentIndexTarget::Kind::Create;
    t.index = n.value("idxname", "");
    if (t.index.empty()) return std::nullopt;
    return t;
  }
  if (type == "ReindexStmt" && concurrently(n)) {
    const std::string kind = n.value("kind", "");
    if (kind == "REINDEX_OBJECT_INDEX") t.kind = ConcurrentIndexTarget::Kind::ReindexIndex;
    else if (kind == "REINDEX_OBJECT_TABLE") t.kind = ConcurrentIndexTarget::Kind::ReindexTable;
    else return std::nullopt;
    return t;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ConcurrentIndexTarget> concurrent_index_target(std::string_view sql) {
  if (!script_detail::starts_with_keyword(sql, "create") && !script_detail::starts_with_keyword(sql, "reindex"))
    return std::nullopt;
  const std::string input(sql);  // libpg_query wants a NUL-terminated string
  PgQueryParseResult result = pg_query_parse(input.c_str());
  std::optional<ConcurrentIndexTarget> target;
  if (!result.error) {
    const json tree = json::parse(result.parse_tree);
    const json stmts = tree.value("stmts", json::array());
    if (stmts.size() == 1) target = target_of(stmts.front().value("stmt", json::object()));
  }
  pg_query_free_parse_result(result);
  return target;
}

}  // namespace strata
