#include "strata/history.hpp"

#include <algorithm>

#include "strata/db.hpp"
#include "strata/error.hpp"

namespace strata {

std::string TableName::quoted() const { return quote_ident(schema) + "." + quote_ident(table); }

std::optional<Version> AppliedMigration::parsed_version() const {
  if (!version) return std::nullopt;
  return Version::parse(*version);
}

std::string fit_description(const std::string& description) {
  // Flyway counts Java chars; for the ASCII descriptions file names give, bytes are the same.
  if (description.size() <= 200) return description;
  return description.substr(0, 197) + "...";
}

std::string fit_script(const std::string& script) {
  if (script.size() <= 1000) return script;
  return "..." + script.substr(3, 997);
}

bool HistoryTable::schema_exists(const std::string& schema) const {
  return !session_.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", {schema}).empty();
}

bool HistoryTable::exists() const {
  return !session_
              .query("SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                     {name_.schema, name_.table})
              .empty();
}

void HistoryTable::create(const std::vector<std::string>& schemas) {
  if (exists()) return;
  const std::string t = name_.quoted();
  std::vector<std::string> wanted{name_.schema};
  for (const std::string& s : schemas) {
    if (std::find(wanted.begin(), wanted.end(), s) == wanted.end()) wanted.push_back(s);
  }
  std::vector<std::string> missing;
  for (const std::string& s : wanted) {
    if (!schema_exists(s)) missing.push_back(s);
  }
  session_.exec("BEGIN");
  try {
    for (const std::string& s : missing) session_.exec("CREATE SCHEMA " + quote_ident(s));
    // Flyway's PostgreSQL DDL, column for column, so either tool can read what the other wrote.
    session_.exec("CREATE TABLE " + t +
                  " (\n"
                  "    \"installed_rank\" INT NOT NULL,\n"
                  "    \"version\" VARCHAR(50),\n"
                  "    \"description\" VARCHAR(200) NOT NULL,\n"
                  "    \"type\" VARCHAR(20) NOT NULL,\n"
                  "    \"script\" VARCHAR(1000) NOT NULL,\n"
                  "    \"checksum\" INTEGER,\n"
                  "    \"installed_by\" VARCHAR(100) NOT NULL,\n"
                  "    \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(),\n"
                  "    \"execution_time\" INTEGER NOT NULL,\n"
                  "    \"success\" BOOLEAN NOT NULL\n"
                  ")");
    session_.exec("ALTER TABLE " + t + " ADD CONSTRAINT " + quote_ident(name_.table + "_pk") +
                  " PRIMARY KEY (\"installed_rank\")");
    session_.exec("CREATE INDEX " + quote_ident(name_.table + "_s_idx") + " ON " + t + " (\"success\")");
    if (!missing.empty()) {
      // Flyway records the schemas it created itself in a rank-0 row, so `clean` knows to drop them.
      std::string created;
      for (const std::string& s : missing) {
        if (!created.empty()) created += ',';
        created += quote_ident(s);
      }
      session_.query("INSERT INTO " + t +
                         " (installed_rank, version, description, type, script, checksum, installed_by, "
                         "execution_time, success) VALUES (0, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', "
                         "$1, NULL, current_user, 0, true)",
                     {created});
    }
    session_.exec("COMMIT");
  } catch (...) {
    try {
      session_.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

std::vector<AppliedMigration> HistoryTable::load() const {
  Rows rows;
  try {
    rows = session_.query(
        "SELECT installed_rank, version, description, type, script, checksum, installed_by, "
        "to_char(installed_on, 'YYYY-MM-DD HH24:MI:SS.MS'), execution_time, success FROM " +
        name_.quoted() + " ORDER BY installed_rank");
  } catch (const SqlError& e) {
    // A table of that name that is not Flyway 5+'s history (or one we may not read).
    ValidationFailed failure("cannot read the schema history " + name_.quoted() + ": " + e.what() +
                             "; is it a Flyway 5 or later history table?");
    failure.sqlstate = e.sqlstate;
    throw failure;
  }
  std::vector<AppliedMigration> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    AppliedMigration a;
    a.installed_rank = std::stoi(r[0].value_or("0"));
    a.version = std::move(r[1]);
    a.description = r[2].value_or("");
    a.type = r[3].value_or("");
    a.script = r[4].value_or("");
    if (r[5]) a.checksum = static_cast<std::int32_t>(std::stol(*r[5]));
    a.installed_by = r[6].value_or("");
    a.installed_on = r[7].value_or("");
    a.execution_time = r[8] ? std::stoi(*r[8]) : 0;
    a.success = r[9].value_or("f") == "t";
    out.push_back(std::move(a));
  }
  return out;
}

void HistoryTable::append(const AppliedMigration& row) {
  session_.query("INSERT INTO " + name_.quoted() +
                     " (installed_rank, version, description, type, script, checksum, installed_by, "
                     "execution_time, success) SELECT COALESCE(MAX(installed_rank), 0) + 1, $1, $2, $3, $4, "
                     "$5, $6, $7, $8 FROM " +
                     name_.quoted(),
                 {row.version, fit_description(row.description), row.type, fit_script(row.script),
                  row.checksum ? Value(std::to_string(*row.checksum)) : Value(),
                  row.installed_by, std::to_string(row.execution_time), row.success ? "true" : "false"});
}

}  // namespace strata
