#pragma once
// The indexes a statement builds concurrently, read from its parse tree. A run of a migration
// outside a transaction that dies in the middle of such a statement leaves them INVALID; the next
// run finds them through this (src/execute/invalid_index_heal.cpp). No database dependency.
#include <optional>
#include <string>
#include <string_view>

namespace strata {

struct ConcurrentIndexTarget {
  enum class Kind {
    Create,        // CREATE INDEX CONCURRENTLY name ON table: `index` on `table`
    ReindexIndex,  // REINDEX INDEX CONCURRENTLY index: leftovers index_ccnew<N>, index_ccold<N>
    ReindexTable,  // REINDEX TABLE CONCURRENTLY table: leftovers <any index of it>_ccnew<N>, _ccold<N>
  };
  Kind kind = Kind::Create;
  // The relation the statement names, as the parser folded it: the table (Create, ReindexTable)
  // or the index (ReindexIndex). An empty schema is resolved through the session's search_path.
  std::string schema;
  std::string relation;
  std::string index;  // Create: the new index's name (it goes into the table's schema)
};

// The target of `sql`, one statement; nothing for any other statement, a CREATE INDEX
// CONCURRENTLY without a name (the server picks one), REINDEX SCHEMA/DATABASE/SYSTEM, or text the
// PostgreSQL 15 parser rejects.
std::optional<ConcurrentIndexTarget> concurrent_index_target(std::string_view sql);

}  // namespace strata
