#include "lint/rules.hpp"

namespace strata::lint_detail {

// Validating a foreign key reads the whole table while both tables are locked against writes.
extern const Rule kAddingForeignKeyConstraint{
    "adding-foreign-key-constraint", LintSeverity::Error,
    "ADD FOREIGN KEY validates every row while both tables are locked against writes",
    "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
    [](const RuleInput& in) {
      return adds_constraint(in, "CONSTR_FOREIGN", [](const json& c) { return !c.value("skip_validation", false); });
    }};

}  // namespace strata::lint_detail
