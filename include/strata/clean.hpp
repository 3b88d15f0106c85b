#pragma once
// clean: the database side of `strata clean`, Flyway's clean on PostgreSQL. Empties (or drops)
// schemas; whether a clean may run at all (cleanDisabled, environments), locking and what is
// printed are the command's business, not this unit's.
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class Session;
struct AppliedMigration;

struct CleanResult {
  std::vector<std::string> dropped_schemas;  // Flyway's schemasDropped, in the order given
  std::vector<std::string> cleaned_schemas;  // Flyway's schemasCleaned: emptied, kept
  // In Flyway's words, for its JSON `warnings` and the log: schemas that do not exist
  // ("Unable to clean unknown schema: ..."), created schemas that could only be emptied.
  std::vector<std::string> warnings;
  // Objects found in the emptied schemas, all gone now (some with another one, by CASCADE, before
  // their own DROP came). Objects that went with a dropped schema are not counted.
  int objects_dropped = 0;
};

// Cleans `schemas` (plain names, not quoted; duplicates ignored) the way Flyway does on
// PostgreSQL, in one transaction of its own: either everything is gone or nothing changed.
// Must not be called inside an open transaction.
//  - A schema also named in `created_by_strata` is dropped (DROP SCHEMA ... CASCADE). When the
//    user may not drop it (not its owner), it is emptied instead, with a warning, as Flyway does.
//  - Every other schema is kept and emptied of everything that lives in it: tables (partitioned,
//    inherited and foreign ones too), views, materialized views, sequences, functions,
//    procedures, aggregates, types, domains, collations, operators and operator classes and
//    families, conversions, text search objects, extended statistics, and the history table.
//  - Objects that belong to an extension are not dropped one by one; the extensions installed in
//    the schema are dropped when the current user owns them (Flyway's rule) and left, with their
//    objects, otherwise.
//  - Drops cascade, as Flyway's do: objects in other schemas that depend on what is dropped (a
//    view over a dropped table, a foreign key to it, a column of a dropped type) go too.
//  - A schema that does not exist is skipped with a warning.
// Throws SqlError (message names the schemas, server's SQLSTATE/detail/hint kept) or Interrupted;
// the transaction is rolled back first.
CleanResult clean_schemas(Session& session, const std::vector<std::string>& schemas,
                          const std::vector<std::string>& created_by_strata);

// The names in a SCHEMA row's script: `"a","b"` -> {a, b} (quotes doubled inside a name undone;
// a name with a comma inside its quotes stays whole). Text that is not a clean list of quoted
// names is read as Flyway reads it: split at every comma, each piece unquoted when it is quoted.
std::vector<std::string> parse_created_schemas(std::string_view script);

// The schemas the history says strata (or Flyway) created: every SCHEMA row, parsed. Read it
// before cleaning, since the history table is dropped with the rest.
std::vector<std::string> created_schemas(const std::vector<AppliedMigration>& history);

}  // namespace strata
