#pragma once
// history: the `flyway_schema_history` table, exactly as Flyway defines and fills it.
// Reads and writes rows; never decides what to run.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/version.hpp"

namespace strata {

class Session;

struct TableName {
  std::string schema;
  std::string table;
  // "schema"."table", the form Flyway quotes (and hashes for its lock key).
  std::string quoted() const;
};

struct AppliedMigration {
  int installed_rank = 0;
  std::optional<std::string> version;  // NULL for repeatables and the schema-creation row
  std::string description;
  std::string type;                    // SQL, BASELINE, SCHEMA, DELETE, JDBC, ...
  std::string script;
  std::optional<std::int32_t> checksum;
  std::string installed_by;
  std::string installed_on;            // UTC, "2024-01-31 12:34:56.789" (stored as the writer's local time)
  int execution_time = 0;              // milliseconds
  bool success = true;

  std::optional<Version> parsed_version() const;
};

// History `type` values: Flyway's synthetic rows (SCHEMA, BASELINE, DELETE) record no migration;
// UNDO_* rows are Teams' undo runs; SPRING_JDBC is the legacy spelling of JDBC.
bool is_synthetic_type(std::string_view type) noexcept;
bool is_undo_type(std::string_view type) noexcept;
const std::string& canonical_type(const std::string& type) noexcept;
// A type Flyway's MigrationType.fromString reads: its enum names (SQL, JDBC, SCRIPT, CUSTOM, their
// _BASELINE and UNDO_ forms, SCHEMA, BASELINE, DELETE) and the legacy SPRING_JDBC,
// UNDO_SPRING_JDBC, SQL_STATE_SCRIPT and JDBC_STATE_SCRIPT. Flyway refuses any other.
bool is_known_type(std::string_view type) noexcept;

// Flyway's shortening of values too long for their columns.
std::string fit_description(const std::string& description);  // 200: first 197 + "..."
std::string fit_script(const std::string& script);            // 1000: "..." + tail

class HistoryTable {
 public:
  HistoryTable(Session& session, TableName name) : session_(session), name_(std::move(name)) {}

  const TableName& name() const { return name_; }

  bool schema_exists(const std::string& schema) const;
  bool exists() const;
  // Creates the missing ones of `schemas` (the history's own schema always counts) and the table
  // with Flyway's DDL. The schemas it created are recorded in the rank-0 SCHEMA row, quoted and
  // comma-joined, as Flyway records them. Idempotent.
  void create(const std::vector<std::string>& schemas = {}, const std::string& installed_by = {});
  // The schemas a run manages: the history's own first, then those of `schemas` not named yet.
  std::vector<std::string> wanted_schemas(const std::vector<std::string>& schemas) const;
  // The statements `create` runs in its transaction, values as literals (a dry run prints them).
  std::vector<std::string> create_statements(const std::vector<std::string>& schemas = {},
                                             const std::string& installed_by = {}) const;

 private:
  struct Absent {
    std::vector<std::string> schemas;  // in the order asked
    bool table = false;
  };
  Absent absent(const std::vector<std::string>& wanted) const;
  std::vector<std::string> statements_creating(const std::vector<std::string>& missing,
                                               const std::string& installed_by) const;

 public:

  // All rows ordered by installed_rank.
  std::vector<AppliedMigration> load() const;
  // load's query of the table `table_ref` (an SQL name, qualified or not), and its rows as
  // AppliedMigrations: open_run sends it together with its first question to the server.
  static std::string load_sql(const std::string& table_ref);
  // `rows` is strata::Rows, spelt out so that this header needs no db.hpp.
  static std::vector<AppliedMigration> from_rows(std::vector<std::vector<std::optional<std::string>>> rows);

  // The INSERT that appends `row` with installed_rank = max + 1 (installed_on = now()), values
  // quoted as literals, so a caller can send it together with other statements in one round trip.
  // Shortens description/script as Flyway does.
  std::string append_statement(const AppliedMigration& row) const;
  // The same INSERT with its values as parameters $1..$6 (append_parameters), to be prepared once
  // and sent for each migration; execution_time is the time since the transaction began
  // (clock_timestamp() - now()), so it can be sent before the migration's statements have run.
  std::string append_prepared_sql() const;
  static std::vector<std::optional<std::string>> append_parameters(const AppliedMigration& row);
  // Runs append_statement in whatever transaction the session is in.
  void append(const AppliedMigration& row);

  // repair's edits, in whatever transaction the session is in. Rows are named by installed_rank,
  // the primary key, as Flyway's own UPDATE does.
  void delete_failed(int installed_rank);
  void realign(int installed_rank, const std::string& description, const std::string& type,
               std::optional<std::int32_t> checksum);

 private:
  Session& session_;
  TableName name_;
};

}  // namespace strata
