#include "lint/rules.hpp"

namespace strata::lint_detail {

// A COMMIT in the file ends strata's transaction: a failure after it leaves the migration half-applied.
extern const Rule kTransactionControl{
    "transaction-control-in-migration", LintSeverity::Warning,
    "BEGIN, COMMIT or ROLLBACK in a migration defeats the transaction strata runs it in",
    "remove it: strata runs each migration in a transaction (non-transactional statements on their own)",
    [](const RuleInput& in) {
      static const std::set<std::string> kControl{"TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT",
                                                  "TRANS_STMT_ROLLBACK"};
      return in.type == "TransactionStmt" && kControl.count(in.node.value("kind", "")) > 0;
    }};

}  // namespace strata::lint_detail
