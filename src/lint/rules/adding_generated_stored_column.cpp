#include "lint/rules.hpp"

namespace strata::lint_detail {

// A stored generated column is computed for every existing row: a table rewrite.
extern const Rule kAddingGeneratedStoredColumn{
    "adding-generated-stored-column", LintSeverity::Error,
    "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED rewrites the table under ACCESS EXCLUSIVE",
    "add a plain column filled by a trigger, backfill in batches; or compute the value in a view",
    [](const RuleInput& in) {
      for (const json& column : added_columns(in)) {
        if (!column_constraints(column, "CONSTR_GENERATED").empty()) return true;
      }
      return false;
    }};

}  // namespace strata::lint_detail
