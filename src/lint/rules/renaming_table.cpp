#include "lint/rules.hpp"

namespace strata::lint_detail {

// The deployed application still uses the old name until it is replaced.
extern const Rule kRenamingTable{
    "renaming-table", LintSeverity::Warning,
    "RENAME of a table breaks the application still running against the old name",
    "create the new table (or a view under the new name), move readers and writers, then drop the old one",
    [](const RuleInput& in) {
      return renames_existing(in, "OBJECT_TABLE");
    }};

}  // namespace strata::lint_detail
