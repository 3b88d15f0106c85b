#pragma once
// report: formatting only. Text tables and Flyway-shaped JSON; decides nothing.
#include <ostream>
#include <string>
#include <vector>

#include "strata/reconcile.hpp"

namespace strata {

struct InfoContext {
  std::string schema_name;   // the default schema
  std::string database;      // database name
  bool all_schemas_empty = false;
  std::string timestamp;     // ISO-8601, when the report was made
};

// Flyway-style ASCII table, preceded by "Schema version: X" and a blank line. Columns as in
// Flyway 10: Category | Version | Description | Type | Installed On | State | Undoable.
void print_info_table(std::ostream& out, const Reconciliation& reconciliation);

// Flyway's `info -outputType=json` document (InfoResult field names), indented as Flyway prints
// it, or on one line (`indent` < 0) where output is read as one JSON object per line.
std::string info_json(const InfoContext& context, const Reconciliation& reconciliation, int indent = 2);

struct ValidationProblem;

// Flyway's `validate -outputType=json` document (ValidateResult / ValidateOutput field names).
std::string validate_json(const std::string& database, const std::vector<ValidationProblem>& problems,
                          int validate_count, int indent = 2);

// The strata/Flyway version string reported as `flywayVersion` and by --version.
const char* strata_version() noexcept;

}  // namespace strata
