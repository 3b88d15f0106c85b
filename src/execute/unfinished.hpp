#pragma once
// A migration outside a transaction that failed part-way. Private to src/execute/.
#include <string>
#include <vector>

#include "execute/shared.hpp"

namespace strata::execute_detail {

// The INVALID indexes of the database, "schema"."name": taken before a migration outside a
// transaction runs, so that afterwards the ones its failure left can be told apart.
std::vector<std::string> invalid_indexes(Session& session);

struct Unfinished {
  Session& session;
  HistoryTable& history;
  const ExecuteOptions& options;
  const PreparedMigration& prepared;
  const Statement* failed_statement = nullptr;
  std::vector<const Statement*> stayed;     // the statements that ran and were committed
  std::vector<std::string> invalid_before;  // invalid_indexes before the migration started
  std::chrono::milliseconds elapsed{0};
};

// Records the failed history row (success = false, as Flyway) and returns the error: what stays
// applied (by line), each INVALID index left with the DROP INDEX CONCURRENTLY that removes it,
// and `strata repair` after the clean-up. repair_safe when nothing of the migration remains.
MigrationFailed unfinished_migration(const Unfinished& u, const SqlError& e);

}  // namespace strata::execute_detail
