#include "lint/rules.hpp"

namespace strata::lint_detail {
namespace {

// A default PostgreSQL 11+ evaluates once and stores in the catalog: constants, casts of
// constants, and now()-like values fixed for the transaction.
bool evaluated_once(const json& expr) {
  if (expr.contains("A_Const") || expr.contains("SQLValueFunction")) return true;
  if (expr.contains("TypeCast")) return evaluated_once(expr["TypeCast"].value("arg", json::object()));
  if (expr.contains("FuncCall")) {
    const json names = expr["FuncCall"].value("funcname", json::array());
    const std::string name = names.empty() ? "" : names.back().value("String", json::object()).value("sval", "");
    return name == "now" || name == "transaction_timestamp" || name == "current_timestamp";
  }
  return false;
}

}  // namespace

// ADD COLUMN with a default the server must compute per row rewrites the whole table under ACCESS
// EXCLUSIVE (before PostgreSQL 11: any default).
extern const Rule kAddingFieldWithVolatileDefault{
    "adding-field-with-volatile-default", LintSeverity::Error,
    "ADD COLUMN with a volatile default (or any default before PostgreSQL 11) rewrites the table under ACCESS EXCLUSIVE",
    "add the column without a default, set the default in a second statement, backfill in batches",
    [](const RuleInput& in) {
      for (const json& column : added_columns(in)) {
        for (const json* d : column_constraints(column, "CONSTR_DEFAULT"))
          if (in.settings.server_major < 11 || !evaluated_once(d->value("raw_expr", json::object()))) return true;
      }
      return false;
    }};

}  // namespace strata::lint_detail
