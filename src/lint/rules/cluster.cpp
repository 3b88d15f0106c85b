#include "lint/rules.hpp"

namespace strata::lint_detail {

// CLUSTER copies the whole table in index order while nobody may read it.
extern const Rule kCluster{
    "cluster", LintSeverity::Error,
    "CLUSTER rewrites the table under ACCESS EXCLUSIVE",
    "pg_repack --order-by, outside the migration; or leave the order to autovacuum and fillfactor",
    [](const RuleInput& in) {
      return in.type == "ClusterStmt" && !is_new_table(in.schema, table_of(in.node.value("relation", json::object())));
    }};

}  // namespace strata::lint_detail
