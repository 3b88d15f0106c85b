#include "lint/rules.hpp"

namespace strata::lint_detail {

// A serial or identity column is filled from a sequence, row by row: a table rewrite.
extern const Rule kAddingSerialOrIdentityColumn{
    "adding-serial-or-identity-column", LintSeverity::Error,
    "ADD COLUMN of a serial or identity column rewrites the table under ACCESS EXCLUSIVE",
    "add a plain nullable column, attach a sequence default, backfill in batches, then SET NOT NULL safely",
    [](const RuleInput& in) {
      for (const json& column : added_columns(in)) {
        const std::string type = type_name(column.value("typeName", json::object()));
        if (type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial2" ||
            type == "serial4" || type == "serial8" || !column_constraints(column, "CONSTR_IDENTITY").empty())
          return true;
      }
      return false;
    }};

}  // namespace strata::lint_detail
