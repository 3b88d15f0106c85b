// Which statements PostgreSQL 15 refuses inside a transaction block: the callers of
// PreventInTransactionBlock in src/backend, each decided from the parse tree as the server
// decides it. Where the server decides from the catalog (DROP SUBSCRIPTION drops a slot only if
// the subscription has one), the statement counts as non-transactional: running it outside a
// transaction block is always allowed. ALTER TYPE ... ADD VALUE is transactional since PG 12.
#include "script/statement_kind.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace strata::script_detail {
namespace {

using nlohmann::json;
using namespace std::string_view_literals;

bool flag(const json& node, const char* name) {
  auto it = node.find(name);
  return it != node.end() && it->is_boolean() && it->get<bool>();
}

std::string text(const json& node, const char* name) {
  auto it = node.find(name);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A DefElem's value as defGetBoolean reads it: no value is true; 0, false, off, no are false.
bool option_value(const json& def) {
  auto arg = def.find("arg");
  if (arg == def.end()) return true;
  if (arg->contains("Integer")) return (*arg)["Integer"].value("ival", 0) != 0;
  if (arg->contains("Boolean")) return (*arg)["Boolean"].value("boolval", false);
  if (!arg->contains("String")) return true;
  std::string v = (*arg)["String"].value("sval", "");
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return !(v == "false" || v == "off" || v == "no" || v == "0" || v == "f" || v == "n" || v == "of");
}

// The option `name` in a list of DefElem: absent, on or off.
enum class Option { Absent, On, Off };
Option option(const json& node, const char* list, std::string_view name) {
  auto it = node.find(list);
  if (it == node.end() || !it->is_array()) return Option::Absent;
  for (const json& item : *it) {
    const json& def = item.contains("DefElem") ? item["DefElem"] : item;
    if (def.value("defname", "") == name) return option_value(def) ? Option::On : Option::Off;
  }
  return Option::Absent;
}

std::string_view reindex(const json& n) {
  if (option(n, "params", "concurrently") == Option::On) return "REINDEX CONCURRENTLY"sv;
  const std::string kind = text(n, "kind");
  if (kind == "REINDEX_OBJECT_SCHEMA") return "REINDEX SCHEMA"sv;
  if (kind == "REINDEX_OBJECT_SYSTEM") return "REINDEX SYSTEM"sv;
  if (kind == "REINDEX_OBJECT_DATABASE") return "REINDEX DATABASE"sv;
  return {};
}

std::string_view create_subscription(const json& n) {
  // create_slot defaults to true, and to false with connect = false.
  if (option(n, "options", "create_slot") == Option::Off) return {};
  if (option(n, "options", "connect") == Option::Off) return {};
  return "CREATE SUBSCRIPTION ... WITH (create_slot = true)"sv;
}

std::string_view alter_subscription(const json& n) {
  const std::string kind = text(n, "kind");
  if (kind == "ALTER_SUBSCRIPTION_REFRESH") return "ALTER SUBSCRIPTION ... REFRESH"sv;
  const bool publication = kind == "ALTER_SUBSCRIPTION_SET_PUBLICATION" ||
                           kind == "ALTER_SUBSCRIPTION_ADD_PUBLICATION" ||
                           kind == "ALTER_SUBSCRIPTION_DROP_PUBLICATION";
  if (publication && option(n, "options", "refresh") != Option::Off) return "ALTER SUBSCRIPTION with refresh"sv;
  return {};
}

std::string_view alter_table(const json& n) {
  for (const json& item : n.value("cmds", json::array())) {
    const json& cmd = item.value("AlterTableCmd", json::object());
    if (cmd.value("subtype", "") == "AT_DetachPartition" &&
        flag(cmd.value("def", json::object()).value("PartitionCmd", json::object()), "concurrent")) {
      return "ALTER TABLE ... DETACH CONCURRENTLY"sv;
    }
  }
  return {};
}

std::string_view transaction(const json& n) {
  const std::string kind = text(n, "kind");
  if (kind == "TRANS_STMT_COMMIT_PREPARED") return "COMMIT PREPARED"sv;
  if (kind == "TRANS_STMT_ROLLBACK_PREPARED") return "ROLLBACK PREPARED"sv;
  return {};
}

using Rule = std::string_view (*)(const json& fields);

// Node type → what the server calls it when it refuses it in a transaction block, if it does.
const std::array<std::pair<std::string_view, Rule>, 17> kRules{{
    {"IndexStmt", [](const json& n) { return flag(n, "concurrent") ? "CREATE INDEX CONCURRENTLY"sv : ""sv; }},
    {"DropStmt", [](const json& n) {
       return text(n, "removeType") == "OBJECT_INDEX" && flag(n, "concurrent") ? "DROP INDEX CONCURRENTLY"sv : ""sv;
     }},
    {"ReindexStmt", reindex},
    {"VacuumStmt", [](const json& n) { return flag(n, "is_vacuumcmd") ? "VACUUM"sv : ""sv; }},
    {"ClusterStmt", [](const json& n) { return n.contains("relation") ? ""sv : "CLUSTER"sv; }},
    {"CreatedbStmt", [](const json&) { return "CREATE DATABASE"sv; }},
    {"DropdbStmt", [](const json&) { return "DROP DATABASE"sv; }},
    {"AlterDatabaseStmt", [](const json& n) {
       return option(n, "options", "tablespace") != Option::Absent ? "ALTER DATABASE SET TABLESPACE"sv : ""sv;
     }},
    {"CreateTableSpaceStmt", [](const json&) { return "CREATE TABLESPACE"sv; }},
    {"DropTableSpaceStmt", [](const json&) { return "DROP TABLESPACE"sv; }},
    {"AlterSystemStmt", [](const json&) { return "ALTER SYSTEM"sv; }},
    {"CreateSubscriptionStmt", create_subscription},
    {"AlterSubscriptionStmt", alter_subscription},
    {"DropSubscriptionStmt", [](const json&) { return "DROP SUBSCRIPTION"sv; }},
    {"DiscardStmt", [](const json& n) { return text(n, "target") == "DISCARD_ALL" ? "DISCARD ALL"sv : ""sv; }},
    {"TransactionStmt", transaction},
    {"AlterTableStmt", alter_table},
}};

}  // namespace

Classified classify(const json& stmt) {
  if (!stmt.is_object() || stmt.empty()) return {};
  const std::string& type = stmt.begin().key();
  const json& fields = stmt.begin().value();
  if (type == "CopyStmt" && flag(fields, "is_from") && !fields.contains("filename")) {
    return {StatementKind::CopyFromStdin, {}};
  }
  for (const auto& [name, rule] : kRules) {
    if (name != type) continue;
    const std::string_view requirement = rule(fields);
    if (!requirement.empty()) return {StatementKind::NoTransaction, requirement};
    break;
  }
  return {};
}

}  // namespace strata::script_detail

