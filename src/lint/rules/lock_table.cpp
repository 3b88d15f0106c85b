#include "lint/rules.hpp"

namespace strata::lint_detail {

// An explicit lock lasts for the whole transaction, not one statement.
extern const Rule kLockTable{
    "lock-table", LintSeverity::Warning,
    "LOCK TABLE holds its lock until the migration commits, queueing all traffic behind it",
    "let each statement take the lock it needs, with lock_timeout set",
    [](const RuleInput& in) {
      return in.type == "LockStmt" && !access_exclusive_tables(in).empty();
    }};

}  // namespace strata::lint_detail
