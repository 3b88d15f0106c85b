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

// What the strategies that run a migration outside one transaction share: the reset, the
// each-migrate callbacks, the history row, and on failure the failed row and unfinished_migration.
class OutsideTransaction : public ServerStrategy {
 public:
  using ServerStrategy::ServerStrategy;
  void apply(const PreparedMigration& p) final;

 protected:
  // Runs the statements of `p`, pointing `current` at the one under way and adding to `stayed`
  // each one that is committed.
  virtual void run_statements_of(const PreparedMigration& p, std::vector<const Statement*>& stayed,
                                 const Statement*& current) = 0;
  // After a failure: ends a transaction the statements left open.
  virtual void abandon() {}
};

}  // namespace strata::execute_detail
