#include "lint/rules.hpp"

namespace strata::lint_detail {

// A plain CREATE INDEX holds a SHARE lock, blocking every write, for as long as the build takes.
extern const Rule kRequireConcurrentIndexCreation{
    "require-concurrent-index-creation", LintSeverity::Error,
    "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds",
    "CREATE INDEX CONCURRENTLY, alone in its migration (it cannot run in a transaction)",
    [](const RuleInput& in) {
      return in.type == "IndexStmt" && !in.node.value("concurrent", false) &&
             !is_new_table(in.schema, table_of(in.node.value("relation", json::object())));
    }};

}  // namespace strata::lint_detail
