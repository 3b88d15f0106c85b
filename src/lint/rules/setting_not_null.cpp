#include "lint/rules.hpp"

namespace strata::lint_detail {

// SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, unless (PostgreSQL 12+) a validated
// CHECK (column IS NOT NULL) already proves it.
extern const Rule kSettingNotNull{
    "setting-not-null", LintSeverity::Error,
    "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE",
    "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL (PostgreSQL 12+)",
    [](const RuleInput& in) {
      const std::string table = table_of(in.node.value("relation", json::object()));
      for (const json* cmd : existing_table_cmds(in)) {
        if (cmd->value("subtype", "") != "AT_SetNotNull") continue;
        const bool proven = in.schema.validated_not_null.count(table + "." + cmd->value("name", "")) > 0;
        if (in.settings.server_major < 12 || !proven) return true;
      }
      return false;
    }};

}  // namespace strata::lint_detail
