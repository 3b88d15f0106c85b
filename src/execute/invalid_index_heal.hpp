#pragma once
// Before a migration outside a transaction runs: the INVALID indexes an interrupted earlier run of
// it left (strata killed in the middle of a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY).
// Private to src/execute/.
#include <string>
#include <vector>

#include "execute/shared.hpp"

namespace strata::execute_detail {

struct LeftoverIndex {
  std::string name;       // "schema"."index", as SQL takes it
  std::string shown;      // schema.index, as the log shows it
  std::string table_oid;  // the table the index is on
  const Statement* statement = nullptr;  // the statement of the migration that builds it
};

// Read-only: the INVALID indexes the concurrent builds of `p` name — CREATE INDEX CONCURRENTLY's
// index, REINDEX CONCURRENTLY's <index>_ccnew<N> / _ccold<N> — resolved as the session resolves
// names (the run's search_path after options.session_reset). Asks nothing when `p` builds none.
std::vector<LeftoverIndex> leftover_indexes(Session& session, const ExecuteOptions& options,
                                            const PreparedMigration& p);

// Drops each leftover with DROP INDEX CONCURRENTLY, logging it with the migration's name, so that
// the statements that build it (IF NOT EXISTS would keep an INVALID index) build it again. While
// another session still builds an index on its table, waits for that session up to
// options.invalid_index_build_wait. Throws MigrationFailed at the statement naming the index when
// it gives up or the drop fails; nothing of `p` has run then.
void heal_invalid_indexes(Session& session, const ExecuteOptions& options, const PreparedMigration& p);

}  // namespace strata::execute_detail
