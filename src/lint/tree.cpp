// What the rules read from libpg_query's JSON parse tree, and the schema facts kept between
// statements.
#include <algorithm>

#include "lint/rules.hpp"

namespace strata::lint_detail {
namespace {

const json kEmpty = json::object();
const json kNone = json::array();

const json& field(const json& node, const char* name) {
  auto it = node.find(name);
  return it == node.end() ? kEmpty : *it;
}
const json& list(const json& node, const char* name) {
  auto it = node.find(name);
  return it == node.end() || !it->is_array() ? kNone : *it;
}

// ALTER TABLE subcommands that take a weaker lock than ACCESS EXCLUSIVE.
bool weaker_lock(const json& cmd) {
  static const std::set<std::string> kWeaker{"AT_ValidateConstraint", "AT_SetStatistics", "AT_ClusterOn",
                                             "AT_DropCluster",        "AT_SetOptions",    "AT_ResetOptions",
                                             "AT_AttachPartition",    "AT_DetachPartition"};
  const std::string subtype = cmd.value("subtype", "");
  if (kWeaker.count(subtype)) return true;
  // ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables.
  const json& constraint = field(field(cmd, "def"), "Constraint");
  return subtype == "AT_AddConstraint" && constraint.value("contype", "") == "CONSTR_FOREIGN";
}

std::string column_key(const std::string& table, const std::string& column) { return table + "." + column; }

void record_alter(Schema& schema, const std::string& table, const json& cmd) {
  const std::string subtype = cmd.value("subtype", "");
  const json& def = field(cmd, "def");
  if (subtype == "AT_AddColumn" || subtype == "AT_AlterColumnType") {
    const json& column = field(def, "ColumnDef");
    const std::string name = subtype == "AT_AddColumn" ? column.value("colname", "") : cmd.value("name", "");
    schema.column_types[column_key(table, name)] = column_type(field(column, "typeName"));
  } else if (subtype == "AT_AddConstraint") {
    const json& c = field(def, "Constraint");
    const json& test = field(field(c, "raw_expr"), "NullTest");
    const json& fields = list(field(field(test, "arg"), "ColumnRef"), "fields");
    if (c.value("contype", "") == "CONSTR_CHECK" && test.value("nulltesttype", "") == "IS_NOT_NULL" &&
        fields.size() == 1) {
      const std::string column = field(fields[0], "String").value("sval", "");
      if (c.value("skip_validation", false))
        schema.not_null_checks[column_key(table, c.value("conname", ""))] = column;
      else
        schema.validated_not_null.insert(column_key(table, column));
    }
  } else if (subtype == "AT_ValidateConstraint") {
    auto it = schema.not_null_checks.find(column_key(table, cmd.value("name", "")));
    if (it != schema.not_null_checks.end()) schema.validated_not_null.insert(column_key(table, it->second));
  }
}

void record_set(Schema& schema, const json& node) {
  if (node.value("name", "") != "lock_timeout") return;
  const std::string kind = node.value("kind", "");
  const json& args = list(node, "args");
  bool zero = args.empty();
  if (!args.empty()) {
    const json& c = field(args[0], "A_Const");
    if (c.contains("ival")) zero = field(c, "ival").value("ival", 0) == 0;
    if (c.contains("sval")) {
      const std::string v = field(c, "sval").value("sval", "");
      const std::string digits = v.substr(0, v.find_first_not_of("0123456789"));
      zero = !digits.empty() && digits.find_first_not_of('0') == std::string::npos;
    }
  }
  schema.lock_timeout_set = kind == "VAR_SET_VALUE" && !zero;
}

}  // namespace

std::string table_of(const json& range_var) { return range_var.value("relname", ""); }

bool is_new_table(const Schema& schema, const std::string& table) { return schema.new_tables.count(table) > 0; }

std::vector<const json*> existing_table_cmds(const RuleInput& in) {
  std::vector<const json*> cmds;
  if (in.type != "AlterTableStmt" || in.node.value("objtype", "") != "OBJECT_TABLE") return cmds;
  if (is_new_table(in.schema, table_of(field(in.node, "relation")))) return cmds;
  for (const json& item : list(in.node, "cmds"))
    if (item.contains("AlterTableCmd")) cmds.push_back(&item["AlterTableCmd"]);
  return cmds;
}

std::vector<json> added_columns(const RuleInput& in) {
  std::vector<json> columns;
  for (const json* cmd : existing_table_cmds(in))
    if (cmd->value("subtype", "") == "AT_AddColumn") columns.push_back(field(field(*cmd, "def"), "ColumnDef"));
  return columns;
}

bool renames_existing(const RuleInput& in, std::string_view rename_type) {
  return in.type == "RenameStmt" && in.node.value("renameType", "") == rename_type &&
         !is_new_table(in.schema, table_of(field(in.node, "relation")));
}

std::vector<const json*> column_constraints(const json& column_def, std::string_view contype) {
  std::vector<const json*> out;
  for (const json& item : list(column_def, "constraints")) {
    const json& c = field(item, "Constraint");
    if (c.value("contype", "") == contype) out.push_back(&c);
  }
  return out;
}

std::string type_name(const json& type) {
  const json& names = list(type, "names");
  return names.empty() ? std::string() : field(names.back(), "String").value("sval", "");
}

std::set<std::string> access_exclusive_tables(const RuleInput& in) {
  std::set<std::string> tables;
  auto add = [&](const json& range_var) {
    const std::string t = table_of(range_var);
    if (!t.empty() && !is_new_table(in.schema, t)) tables.insert(t);
  };
  if (in.type == "AlterTableStmt") {
    const std::vector<const json*> cmds = existing_table_cmds(in);
    if (std::any_of(cmds.begin(), cmds.end(), [](const json* c) { return !weaker_lock(*c); }))
      add(field(in.node, "relation"));
  } else if (in.type == "RenameStmt" || in.type == "ClusterStmt") {
    add(field(in.node, "relation"));
  } else if (in.type == "TruncateStmt" || (in.type == "LockStmt" && in.node.value("mode", 8) == 8)) {
    for (const json& r : list(in.node, "relations")) add(field(r, "RangeVar"));
  } else if (in.type == "VacuumStmt") {
    for (const json& o : list(in.node, "options"))
      if (field(o, "DefElem").value("defname", "") == "full")
        for (const json& r : list(in.node, "rels")) add(field(field(r, "VacuumRelation"), "relation"));
  } else if (in.type == "DropStmt" && in.node.value("removeType", "") == "OBJECT_TABLE") {
    for (const json& o : list(in.node, "objects")) {
      const json& items = list(field(o, "List"), "items");
      if (!items.empty()) add(json{{"relname", field(items.back(), "String").value("sval", "")}});
    }
  }
  return tables;
}

ColumnType column_type(const json& type) {
  ColumnType out{type_name(type), {}};
  for (const json& m : list(type, "typmods")) out.typmods.push_back(field(field(m, "A_Const"), "ival").value("ival", 0));
  return out;
}

void record_statement(Schema& schema, const RuleInput& in) {
  if (in.type == "CreateStmt") {
    const std::string table = table_of(field(in.node, "relation"));
    schema.new_tables.insert(table);
    for (const json& e : list(in.node, "tableElts")) {
      const json& column = field(e, "ColumnDef");
      if (column.contains("colname"))
        schema.column_types[column_key(table, column.value("colname", ""))] = column_type(field(column, "typeName"));
    }
  } else if (in.type == "CreateTableAsStmt") {
    schema.new_tables.insert(table_of(field(field(in.node, "into"), "rel")));
  } else if (in.type == "IndexStmt") {
    schema.new_indexes.insert(in.node.value("idxname", ""));
  } else if (in.type == "AlterTableStmt") {
    const std::string table = table_of(field(in.node, "relation"));
    for (const json& item : list(in.node, "cmds")) record_alter(schema, table, field(item, "AlterTableCmd"));
  } else if (in.type == "RenameStmt" && in.node.value("renameType", "") == "OBJECT_TABLE") {
    // A new table renamed is still new under its new name.
    if (is_new_table(schema, table_of(field(in.node, "relation")))) schema.new_tables.insert(in.node.value("newname", ""));
  } else if (in.type == "VariableSetStmt") {
    record_set(schema, in.node);
  }
  for (const std::string& t : access_exclusive_tables(in)) schema.exclusive_tables.insert(t);
}

bool adds_constraint(const RuleInput& in, std::string_view contype, bool (*unsafe)(const json&)) {
  for (const json* cmd : existing_table_cmds(in)) {
    const std::string subtype = cmd->value("subtype", "");
    const json def = cmd->value("def", json::object());
    std::vector<json> constraints;
    if (subtype == "AT_AddConstraint") constraints.push_back(def.value("Constraint", json::object()));
    const json column = def.value("ColumnDef", json::object());
    if (subtype == "AT_AddColumn")
      for (const json* c : column_constraints(column, contype)) constraints.push_back(*c);
    for (const json& c : constraints)
      if (c.value("contype", "") == contype && unsafe(c)) return true;
  }
  return false;
}

}  // namespace strata::lint_detail
