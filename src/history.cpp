#include "strata/history.hpp"

#include <algorithm>
#include <charconv>

#include "strata/db.hpp"
#include "strata/error.hpp"

namespace strata {

std::string TableName::quoted() const { return quote_ident(schema) + "." + quote_ident(table); }

std::optional<Version> AppliedMigration::parsed_version() const {
  if (!version) return std::nullopt;
  return Version::parse(*version);
}

namespace {

// Flyway measures in Java chars (UTF-16 code units); strata keeps UTF-8, so it counts the same
// units and only ever cuts between whole characters.
std::size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
}

std::size_t utf16_units(std::string_view s) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < s.size(); i += utf8_length(static_cast<unsigned char>(s[i]))) {
    units += utf8_length(static_cast<unsigned char>(s[i])) == 4 ? 2 : 1;
  }
  return units;
}

// Byte offset just after the first `units` UTF-16 units (or before a character that would cross it).
std::size_t byte_offset_after_units(std::string_view s, std::size_t units) {
  std::size_t i = 0;
  std::size_t counted = 0;
  while (i < s.size()) {
    std::size_t len = utf8_length(static_cast<unsigned char>(s[i]));
    std::size_t w = len == 4 ? 2 : 1;
    if (counted + w > units) break;
    counted += w;
    i += len;
  }
  return std::min(i, s.size());
}

}  // namespace

bool is_synthetic_type(std::string_view type) noexcept {
  return type == "SCHEMA" || type == "BASELINE" || type == "DELETE";
}

bool is_undo_type(std::string_view type) noexcept { return type.starts_with("UNDO_"); }

const std::string& canonical_type(const std::string& type) noexcept {
  static const std::string jdbc = "JDBC";
  return type == "SPRING_JDBC" ? jdbc : type;
}

bool is_known_type(std::string_view type) noexcept {
  static constexpr std::string_view kKnown[] = {
      "SQL",         "SQL_BASELINE",     "UNDO_SQL",         "JDBC",        "JDBC_BASELINE",     "UNDO_JDBC",
      "SCRIPT",      "SCRIPT_BASELINE",  "UNDO_SCRIPT",      "CUSTOM",      "UNDO_CUSTOM",       "SCHEMA",
      "BASELINE",    "DELETE",           "SPRING_JDBC",      "UNDO_SPRING_JDBC", "SQL_STATE_SCRIPT", "JDBC_STATE_SCRIPT"};
  return std::find(std::begin(kKnown), std::end(kKnown), type) != std::end(kKnown);
}

std::string fit_description(const std::string& description) {
  if (utf16_units(description) <= 200) return description;
  return description.substr(0, byte_offset_after_units(description, 197)) + "...";
}

std::string fit_script(const std::string& script) {
  if (utf16_units(script) <= 1000) return script;
  const std::size_t from = byte_offset_after_units(script, 3);
  return "..." + script.substr(from, byte_offset_after_units(script, 1000) - from);
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

// The schemas of `wanted` the server does not have, in order, and whether the table exists: one
// round trip, however many schemas are configured.
HistoryTable::Absent HistoryTable::absent(const std::vector<std::string>& wanted) const {
  std::string names;
  for (const std::string& s : wanted) names += (names.empty() ? "" : ", ") + session_.literal(s);
  const Rows rows = session_.query(
      "SELECT w.name, EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = w.name), "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')) "
      "FROM unnest(ARRAY[" + names + "]::text[]) WITH ORDINALITY AS w(name, n) ORDER BY w.n",
      {name_.schema, name_.table});
  Absent out;
  for (const auto& row : rows) {
    if (row[1].value_or("f") != "t") out.schemas.push_back(row[0].value_or(""));
    out.table = row[2].value_or("f") != "t";
  }
  return out;
}

std::vector<std::string> HistoryTable::wanted_schemas(const std::vector<std::string>& schemas) const {
  std::vector<std::string> wanted{name_.schema};
  for (const std::string& s : schemas) {
    if (std::find(wanted.begin(), wanted.end(), s) == wanted.end()) wanted.push_back(s);
  }
  return wanted;
}

std::vector<std::string> HistoryTable::create_statements(const std::vector<std::string>& schemas,
                                                         const std::string& installed_by) const {
  return statements_creating(absent(wanted_schemas(schemas)).schemas, installed_by);
}

std::vector<std::string> HistoryTable::statements_creating(const std::vector<std::string>& missing,
                                                           const std::string& installed_by) const {
  const std::string t = name_.quoted();
  std::vector<std::string> statements;
  for (const std::string& s : missing) statements.push_back("CREATE SCHEMA " + quote_ident(s));
  // Flyway's PostgreSQL DDL, column for column, so either tool can read what the other wrote.
  statements.push_back("CREATE TABLE " + t +
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
  statements.push_back("ALTER TABLE " + t + " ADD CONSTRAINT " + quote_ident(name_.table + "_pk") +
                       " PRIMARY KEY (\"installed_rank\")");
  statements.push_back("CREATE INDEX " + quote_ident(name_.table + "_s_idx") + " ON " + t + " (\"success\")");
  if (!missing.empty()) {
    // Flyway records the schemas it created itself in a rank-0 row, so `clean` knows to drop them.
    std::string created;
    for (const std::string& s : missing) {
      if (!created.empty()) created += ',';
      created += quote_ident(s);
    }
    statements.push_back("INSERT INTO " + t +
                         " (installed_rank, version, description, type, script, checksum, installed_by, "
                         "execution_time, success) VALUES (0, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', " +
                         session_.literal(created) + ", NULL, " +
                         (installed_by.empty() ? std::string("current_user") : session_.literal(installed_by)) +
                         ", 0, true)");
  }
  return statements;
}

void HistoryTable::create(const std::vector<std::string>& schemas, const std::string& installed_by) {
  const Absent absent_now = absent(wanted_schemas(schemas));
  if (!absent_now.table) return;
  // One message: the server runs the statements in order and stops at the first that fails,
  // leaving the transaction aborted for the ROLLBACK below.
  std::string script = "BEGIN";
  for (const std::string& statement : statements_creating(absent_now.schemas, installed_by)) script += ";\n" + statement;
  try {
    session_.exec(script + ";\nCOMMIT");
  } catch (...) {
    session_.exec_cleanup("ROLLBACK");
    throw;
  }
}

std::string HistoryTable::load_sql(const std::string& table_ref) {
  return "SELECT installed_rank, version, description, type, script, checksum, installed_by, "
         // installed_on is a local time of the writing session's TimeZone (now() into TIMESTAMP);
         // read in this session's zone, it comes back as UTC.
         "to_char((installed_on AT TIME ZONE current_setting('TimeZone')) AT TIME ZONE 'UTC', "
         "'YYYY-MM-DD HH24:MI:SS.MS'), execution_time, success FROM " +
         table_ref + " ORDER BY installed_rank";
}

std::vector<AppliedMigration> HistoryTable::load() const {
  Rows rows;
  try {
    rows = session_.query(load_sql(name_.quoted()));
  } catch (const SqlError& e) {
    // A table of that name that is not Flyway 5+'s history (or one we may not read).
    ValidationFailed failure("cannot read the schema history " + name_.quoted() + ": " + e.what() +
                             "; is it a Flyway 5 or later history table?");
    failure.sqlstate = e.sqlstate;
    throw failure;
  }
  return from_rows(std::move(rows));
}

namespace {

// The cell's text moved out, or "" for NULL.
std::string take(std::optional<std::string>& cell) { return cell ? std::move(*cell) : std::string(); }

// An integer column's text; the server printed it, so it is well-formed and in range.
template <class Int>
Int integer(const std::optional<std::string>& cell, Int otherwise) {
  if (!cell) return otherwise;
  Int value = otherwise;
  std::from_chars(cell->data(), cell->data() + cell->size(), value);
  return value;
}

}  // namespace

std::vector<AppliedMigration> HistoryTable::from_rows(Rows rows) {
  std::vector<AppliedMigration> out;
  out.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& r = rows[i];
    AppliedMigration& a = out[i];
    a.installed_rank = integer<int>(r[0], 0);
    a.version = std::move(r[1]);
    a.description = take(r[2]);
    a.type = take(r[3]);
    a.script = take(r[4]);
    if (r[5]) a.checksum = integer<std::int32_t>(r[5], 0);
    a.installed_by = take(r[6]);
    a.installed_on = take(r[7]);
    a.execution_time = integer<int>(r[8], 0);
    a.success = r[9] && *r[9] == "t";
  }
  return out;
}

std::string HistoryTable::append_statement(const AppliedMigration& row) const {
  auto text = [this](const std::optional<std::string>& v) { return v ? session_.literal(*v) : std::string("NULL"); };
  return "INSERT INTO " + name_.quoted() +
         " (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) "
         "SELECT COALESCE(MAX(installed_rank), 0) + 1, " +
         text(row.version) + ", " + text(fit_description(row.description)) + ", " + text(row.type) + ", " +
         text(fit_script(row.script)) + ", " + (row.checksum ? std::to_string(*row.checksum) : std::string("NULL")) +
         ", " + text(row.installed_by) + ", " + std::to_string(row.execution_time) + ", " +
         (row.success ? "true" : "false") + " FROM " + name_.quoted();
}

std::string HistoryTable::append_prepared_sql() const {
  return "INSERT INTO " + name_.quoted() +
         " (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) "
         "SELECT COALESCE(MAX(installed_rank), 0) + 1, $1, $2, $3, $4, $5::integer, $6, "
         "(EXTRACT(EPOCH FROM clock_timestamp() - now()) * 1000)::integer, true FROM " + name_.quoted();
}

std::vector<std::optional<std::string>> HistoryTable::append_parameters(const AppliedMigration& row) {
  return {row.version, fit_description(row.description), row.type, fit_script(row.script),
          row.checksum ? std::optional<std::string>(std::to_string(*row.checksum)) : std::nullopt, row.installed_by};
}

void HistoryTable::append(const AppliedMigration& row) { session_.exec(append_statement(row)); }

void HistoryTable::delete_failed(int installed_rank) {
  session_.exec("DELETE FROM " + name_.quoted() + " WHERE success = false AND installed_rank = " +
                std::to_string(installed_rank));
}

void HistoryTable::realign(int installed_rank, const std::string& description, const std::string& type,
                           std::optional<std::int32_t> checksum) {
  session_.exec("UPDATE " + name_.quoted() + " SET description = " + session_.literal(fit_description(description)) +
                ", type = " + session_.literal(type) +
                ", checksum = " + (checksum ? std::to_string(*checksum) : std::string("NULL")) +
                " WHERE installed_rank = " + std::to_string(installed_rank));
}

}  // namespace strata
