#include "lint/rules.hpp"

namespace strata::lint_detail {

// An application that selects or inserts the column fails the moment it is gone.
extern const Rule kDroppingColumn{
    "dropping-column", LintSeverity::Warning,
    "DROP COLUMN breaks the application still reading or writing the column",
    "stop using the column in the application first (deploy), then drop it in a later migration",
    [](const RuleInput& in) {
      for (const json* cmd : existing_table_cmds(in))
        if (cmd->value("subtype", "") == "AT_DropColumn") return true;
      return false;
    }};

}  // namespace strata::lint_detail
