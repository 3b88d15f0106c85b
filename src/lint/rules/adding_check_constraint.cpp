#include "lint/rules.hpp"

namespace strata::lint_detail {

// Validating a CHECK reads the whole table under ACCESS EXCLUSIVE.
extern const Rule kAddingCheckConstraint{
    "adding-check-constraint", LintSeverity::Error,
    "ADD CHECK validates every row under ACCESS EXCLUSIVE",
    "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later migration",
    [](const RuleInput& in) {
      return adds_constraint(in, "CONSTR_CHECK", [](const json& c) { return !c.value("skip_validation", false); });
    }};

}  // namespace strata::lint_detail
