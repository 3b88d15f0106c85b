#include "lint/rules.hpp"

namespace strata::lint_detail {
namespace {

// Changes PostgreSQL makes in the catalog only, without rewriting or rescanning the table:
// varchar(n) or text to text, unbounded or longer varchar; numeric to more precision, same scale.
bool safe_widening(const ColumnType& from, const ColumnType& to) {
  const std::string& old_name = from.name;
  const std::string& new_name = to.name;
  const std::vector<int>& old_mods = from.typmods;
  const std::vector<int>& new_mods = to.typmods;
  const bool old_text = old_name == "varchar" || old_name == "text";
  if (old_text && (new_name == "text" || (new_name == "varchar" && new_mods.empty()))) return true;
  if (old_name == "varchar" && new_name == "varchar" && old_mods.size() == 1 && new_mods.size() == 1)
    return new_mods[0] >= old_mods[0];
  if (old_name == "numeric" && new_name == "numeric") {
    if (new_mods.empty()) return true;
    const int old_scale = old_mods.size() > 1 ? old_mods[1] : 0, new_scale = new_mods.size() > 1 ? new_mods[1] : 0;
    return !old_mods.empty() && new_mods[0] >= old_mods[0] && new_scale == old_scale;
  }
  return false;
}

}  // namespace

// ALTER COLUMN TYPE rewrites the table and its indexes under ACCESS EXCLUSIVE, unless it only
// widens; the column's current type is known when an earlier statement declared it.
extern const Rule kChangingColumnType{
    "changing-column-type", LintSeverity::Error,
    "ALTER COLUMN TYPE rewrites the table and its indexes under ACCESS EXCLUSIVE (unless a known safe widening)",
    "add a column of the new type, backfill in batches, switch readers, then drop the old column",
    [](const RuleInput& in) {
      const std::string table = table_of(in.node.value("relation", json::object()));
      for (const json* cmd : existing_table_cmds(in)) {
        if (cmd->value("subtype", "") != "AT_AlterColumnType") continue;
        const ColumnType to = column_type(
            cmd->value("def", json::object()).value("ColumnDef", json::object()).value("typeName", json::object()));
        auto old = in.schema.column_types.find(table + "." + cmd->value("name", ""));
        if (old == in.schema.column_types.end() || !safe_widening(old->second, to)) return true;
      }
      return false;
    }};

}  // namespace strata::lint_detail
