#pragma once
// The lint rules, one per file under src/lint/rules/, and what they read from the parse tree.
// Private to src/lint.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/lint.hpp"

namespace strata::lint_detail {

using json = nlohmann::json;

// A column's type as the rules compare it: the TypeName's last name ("varchar") and its modifiers
// ((12, 2) of numeric(12,2)). Kept instead of the TypeName node: a migrate of many migrations
// remembers every column they create, and a JSON node costs a hundred times the bytes.
struct ColumnType {
  std::string name;
  std::vector<int> typmods;
};

// What the statements linted so far declared, as far as the rules need it.
struct Schema {
  std::set<std::string> new_tables;   // created in this file (or this run): nobody reads them yet
  std::set<std::string> new_indexes;  // likewise, by name
  std::map<std::string, ColumnType> column_types;  // "table.column" -> its type
  std::map<std::string, std::string> not_null_checks;  // "table.constraint" -> column, added NOT VALID
  std::set<std::string> validated_not_null;       // "table.column" with such a check validated
  bool lock_timeout_set = false;                  // a SET lock_timeout earlier in this file
  std::set<std::string> exclusive_tables;         // ACCESS EXCLUSIVE in the current transaction
};

struct RuleInput {
  std::string_view type;  // the statement's node name, e.g. "AlterTableStmt"
  const json& node;       // its fields
  const Schema& schema;
  const LintSettings& settings;
};

struct Rule {
  std::string_view id;
  LintSeverity severity;
  std::string_view message;
  std::string_view fix;
  bool (*triggers)(const RuleInput&);
};

std::span<const Rule* const> all_rules();

// The table a RangeVar names, as the parser folded it, without its schema: migrations name a
// table with and without it, and a false "new" is rarer than a schema-qualified twin.
std::string table_of(const json& range_var);
bool is_new_table(const Schema& schema, const std::string& table);
// The ALTER TABLE's subcommands (AlterTableCmd nodes) when it alters an existing table.
std::vector<const json*> existing_table_cmds(const RuleInput& in);
// The ColumnDef nodes of an ALTER TABLE ... ADD COLUMN on an existing table.
std::vector<json> added_columns(const RuleInput& in);
// Whether the statement renames (`rename_type` "OBJECT_TABLE", "OBJECT_COLUMN") an existing table or its column.
bool renames_existing(const RuleInput& in, std::string_view rename_type);
// The ColumnDef constraints of contype `contype` ("CONSTR_DEFAULT", ...).
std::vector<const json*> column_constraints(const json& column_def, std::string_view contype);
// Whether the statement adds a constraint of `contype` to an existing table (ADD CONSTRAINT or a
// column constraint of ADD COLUMN) for which `unsafe` holds.
bool adds_constraint(const RuleInput& in, std::string_view contype, bool (*unsafe)(const json&));
// The existing tables the statement locks ACCESS EXCLUSIVE.
std::set<std::string> access_exclusive_tables(const RuleInput& in);
// The last name of a TypeName ("int4", "varchar", "serial").
std::string type_name(const json& type);
// A TypeName node as the schema keeps it.
ColumnType column_type(const json& type);

// Updates `schema` with what the statement declares, after the rules have judged it.
void record_statement(Schema& schema, const RuleInput& in);

}  // namespace strata::lint_detail
