#include "lint/rules.hpp"

namespace strata::lint_detail {

// A migration that empties a table in production is rarely what was meant, and cannot be undone.
extern const Rule kTruncate{
    "truncate", LintSeverity::Warning,
    "TRUNCATE deletes every row of a live table under ACCESS EXCLUSIVE",
    "DELETE in batches, or truncate only tables created in this migration",
    [](const RuleInput& in) {
      return in.type == "TruncateStmt" && !access_exclusive_tables(in).empty();
    }};

}  // namespace strata::lint_detail
