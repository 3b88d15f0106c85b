#include "lint/rules.hpp"

namespace strata::lint_detail {

// Each lock is held until commit, so the first table stays blocked while the second one waits.
extern const Rule kMultipleAccessExclusiveTables{
    "multiple-access-exclusive-tables", LintSeverity::Warning,
    "a second table locked ACCESS EXCLUSIVE in the same transaction: lock-ordering deadlocks, and both tables blocked",
    "one table per migration, or run the statements in the order every other writer locks them",
    [](const RuleInput& in) {
      if (in.schema.exclusive_tables.empty()) return false;
      for (const std::string& t : access_exclusive_tables(in))
        if (!in.schema.exclusive_tables.count(t)) return true;
      return false;
    }};

}  // namespace strata::lint_detail
