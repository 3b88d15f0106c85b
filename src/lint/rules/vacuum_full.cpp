#include "lint/rules.hpp"

namespace strata::lint_detail {

// VACUUM FULL copies the whole table while nobody may read it.
extern const Rule kVacuumFull{
    "vacuum-full", LintSeverity::Error,
    "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE",
    "plain VACUUM (or pg_repack, which holds the exclusive lock only briefly)",
    [](const RuleInput& in) {
      if (in.type != "VacuumStmt") return false;
      for (const json& o : in.node.value("options", json::array()))
        if (o.value("DefElem", json::object()).value("defname", "") == "full") return !access_exclusive_tables(in).empty();
      return false;
    }};

}  // namespace strata::lint_detail
