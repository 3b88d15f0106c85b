#include "lint/rules.hpp"

namespace strata::lint_detail {

// The deployed application still uses the old name until it is replaced.
extern const Rule kRenamingColumn{
    "renaming-column", LintSeverity::Warning,
    "RENAME COLUMN breaks the application still running against the old name",
    "add the new column, write both, backfill, move readers, then drop the old column",
    [](const RuleInput& in) {
      return renames_existing(in, "OBJECT_COLUMN");
    }};

}  // namespace strata::lint_detail
