#pragma once
// The pre-flight verdicts on a prepared migration. Private to src/execute/.
#include <vector>

#include "strata/strategy.hpp"

namespace strata::execute_detail {

// Throws InputError at the parser's file:line:col when it rejected the script and the server's
// grammar is the bundled one (PostgreSQL <= 15); on a newer server only warns.
void check_parsed(const PreparedMigration& p, const RoutingOptions& options);

// The mode `p` runs in: its script config's executeInTransaction, else the global one, else its
// statements' kinds. Throws InputError naming both lines when they conflict.
ExecutionMode decide_mode(const PreparedMigration& p, const RoutingOptions& options);

// Throws InputError when `group` is set and a migration cannot run in the group's transaction.
void check_group(const std::vector<PreparedMigration>& prepared, const RoutingOptions& options);

}  // namespace strata::execute_detail
