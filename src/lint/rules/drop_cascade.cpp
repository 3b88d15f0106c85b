#include "lint/rules.hpp"

namespace strata::lint_detail {

// CASCADE can remove views, foreign keys and functions nobody listed.
extern const Rule kDropCascade{
    "drop-cascade", LintSeverity::Warning,
    "DROP ... CASCADE also drops every object that depends on it, unnamed",
    "drop the dependent objects by name first, then drop without CASCADE",
    [](const RuleInput& in) {
      return in.type == "DropStmt" && in.node.value("behavior", "") == "DROP_CASCADE";
    }};

}  // namespace strata::lint_detail
