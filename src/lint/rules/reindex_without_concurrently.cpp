#include "lint/rules.hpp"

namespace strata::lint_detail {

// REINDEX holds a SHARE lock on the table, ACCESS EXCLUSIVE on the index, for the whole rebuild.
extern const Rule kReindexWithoutConcurrently{
    "reindex-without-concurrently", LintSeverity::Error,
    "REINDEX without CONCURRENTLY blocks writes to the table while it rebuilds",
    "REINDEX CONCURRENTLY (PostgreSQL 12+), alone in its migration",
    [](const RuleInput& in) {
      if (in.type != "ReindexStmt") return false;
      for (const json& p : in.node.value("params", json::array()))
        if (p.value("DefElem", json::object()).value("defname", "") == "concurrently") return false;
      return true;
    }};

}  // namespace strata::lint_detail
