#include "lint/rules.hpp"

namespace strata::lint_detail {

// ADD UNIQUE / PRIMARY KEY builds its index under ACCESS EXCLUSIVE.
extern const Rule kAddingUniqueConstraint{
    "adding-unique-constraint", LintSeverity::Error,
    "ADD UNIQUE or PRIMARY KEY builds its index while the table is locked against reads and writes",
    "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)",
    [](const RuleInput& in) {
      auto without_index = [](const json& c) { return !c.contains("indexname"); };
      return adds_constraint(in, "CONSTR_UNIQUE", without_index) || adds_constraint(in, "CONSTR_PRIMARY", without_index);
    }};

}  // namespace strata::lint_detail
