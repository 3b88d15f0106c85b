#include "strata/commands.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <iostream>
#include <memory>

#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/execute.hpp"
#include "strata/history.hpp"
#include "strata/lock.hpp"
#include "strata/log.hpp"
#include "strata/reconcile.hpp"
#include "strata/report.hpp"
#include "strata/resolve.hpp"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::vector<ResolvedMigration> resolve_all(const Config& config) {
  const auto start = Clock::now();
  ResolveOptions options;
  options.locations = config.locations;
  std::vector<ResolvedMigration> resolved = resolve_migrations(options);
  log::debug("Resolved " + std::to_string(resolved.size()) + " migrations", {{"duration_ms", ms_since(start)}});
  return resolved;
}

std::unique_ptr<Session> connect(const Config& config) {
  const auto start = Clock::now();
  auto session = std::make_unique<Session>(config.connection);
  log::debug("Connected to " + session->display(), {{"duration_ms", ms_since(start)}});
  return session;
}

// Reading the files and connecting both wait on I/O, so they overlap: files in a thread of their
// own while this one connects. A bad file is still the error reported, even when the database is
// also unreachable, and the files are fully read before anything is sent to the database.
std::pair<std::vector<ResolvedMigration>, std::unique_ptr<Session>> resolve_and_connect(const Config& config) {
  auto files = std::async(std::launch::async, [&config] { return resolve_all(config); });
  std::unique_ptr<Session> session;
  try {
    session = connect(config);
  } catch (...) {
    files.get();  // an input error wins over a connection error
    throw;
  }
  return {files.get(), std::move(session)};
}

std::vector<AppliedMigration> load_history(const HistoryTable& history) {
  const auto start = Clock::now();
  std::vector<AppliedMigration> applied = history.load();
  log::debug("Read " + std::to_string(applied.size()) + " rows of " + history.name().quoted(),
             {{"duration_ms", ms_since(start)}});
  return applied;
}

ReconcileOptions reconcile_options(const Config& config) {
  ReconcileOptions options;
  options.target = Target::parse(config.target);
  options.out_of_order = config.out_of_order;
  return options;
}

// The schema that holds the history table: --default-schema, else the first of --schemas, else
// whatever the connection's search_path makes current (Flyway's rule).
std::string default_schema(const Config& config, Session& session) {
  if (!config.default_schema.empty()) return config.default_schema;
  if (!config.schemas.empty()) return config.schemas.front();
  Rows r = session.query("SELECT current_schema()");
  if (r.empty() || !r[0][0]) {
    throw ConfigError("cannot tell the default schema: the search_path of " + session.display() +
                      " names no existing schema; set --schemas");
  }
  return *r[0][0];
}

// Flyway puts the default schema in front of the session's search_path for migrations, so
// unqualified names land there while objects in the rest of the path stay visible. Returns the
// search_path that migrations start from.
std::string use_default_schema(Session& session, const std::string& schema) {
  Rows r = session.query("SHOW search_path");
  std::string original = r.empty() ? std::string() : r[0][0].value_or("");
  const std::string quoted = quote_ident(schema);
  if (original == schema || original == quoted || original.starts_with(schema + ",") ||
      original.starts_with(quoted + ",")) {
    return original;
  }
  std::string path = original.empty() ? quoted : quoted + "," + original;
  session.query("SELECT set_config('search_path', $1, false)", {path});
  return path;
}

// Flyway refuses to migrate a schema that already holds objects but no history: running V1 there
// would run it against a database it never created. (baseline is the way in.)
void refuse_unmanaged_schemas(Session& session, const HistoryTable& history, const Config& config) {
  std::vector<std::string> schemas{history.name().schema};
  for (const std::string& s : config.schemas) {
    if (std::find(schemas.begin(), schemas.end(), s) == schemas.end()) schemas.push_back(s);
  }
  std::string non_empty;
  for (const std::string& schema : schemas) {
    // Tables, views, sequences, functions and types, leaving out what extensions own.
    Rows r = session.query(
        "SELECT EXISTS ("
        " SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
        " UNION ALL SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = $1"
        " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        " UNION ALL SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
        " WHERE n.nspname = $1 AND t.typtype IN ('d', 'e', 'r', 'm')"
        " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e'))",
        {schema});
    if (!r.empty() && r[0][0].value_or("f") == "t") non_empty += (non_empty.empty() ? "" : ", ") + quote_ident(schema);
  }
  if (non_empty.empty()) return;
  ValidationFailed e("found non-empty schema(s) " + non_empty + " but no schema history table " +
                     history.name().quoted() + "; strata will not run migrations against objects it did not create");
  e.hint = "baseline the existing schema first (as with Flyway's baseline), or point strata at an empty schema";
  throw e;
}

std::string format_duration(std::chrono::milliseconds ms) {
  // Flyway's "00:00.031s".
  long long total = ms.count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld.%03llds", total / 60000, (total / 1000) % 60, total % 1000);
  return buf;
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(ms));
  return buf;
}

[[noreturn]] void refuse_failed(const AppliedMigration& failed, const std::string& table) {
  std::string what = failed.version ? "version " + *failed.version : "repeatable migration";
  MigrationFailed e("the history " + table + " records a failed migration to " + what + " (" + failed.description +
                    "); remove any half-applied changes, then run `strata repair`");
  e.file = failed.script;
  e.hint = "strata repair";
  throw e;
}

void warn_ignored(const Reconciliation& rec) {
  for (const MigrationInfo& info : rec.infos) {
    if (info.state == MigrationState::Ignored && info.resolved) {
      log::warn("Ignoring migration " + info.resolved->script + ": version " + info.version_text() +
                    " is below the current version " + (rec.current ? rec.current->text() : std::string()) +
                    " and out-of-order is off",
                {{"migration", info.resolved->script}, {"version", info.version_text()}});
    }
  }
}

}  // namespace

int run_migrate(const Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const ReconcileOptions options = reconcile_options(config);
  auto [resolved, connection] = resolve_and_connect(config);
  Session& session = *connection;
  HistoryTable history(session, TableName{default_schema(config, session), config.table});
  const std::string schema_q = quote_ident(history.name().schema);

  // First look without the lock: when nothing is pending, a no-op run never waits on a busy lock.
  if (history.exists()) {
    std::vector<AppliedMigration> applied = load_history(history);
    Reconciliation rec = reconcile(resolved, applied, options);
    if (rec.failed) refuse_failed(*rec.failed, history.name().quoted());
    if (rec.pending.empty()) {
      warn_ignored(rec);
      log::info("Schema " + schema_q + " is up to date. No migration necessary.",
                {{"schema", history.name().schema}, {"version", rec.current ? rec.current->text() : std::string()}});
      return 0;
    }
  }

  MigrationLock lock(config.connection, flyway_lock_key(history.name().quoted()), history.name().quoted(),
                     config.lock_wait_timeout);
  // Flyway's installed_by default and the role every migration starts as.
  const std::string original_role = session.query("SELECT current_user")[0][0].value_or(session.user());
  const std::string installed_by = config.installed_by.empty() ? original_role : config.installed_by;
  if (!history.exists()) {
    refuse_unmanaged_schemas(session, history, config);
    log::info("Creating Schema History table " + history.name().quoted() + " ...");
    history.create(config.schemas, installed_by);
  }
  // Another runner may have applied migrations while this one waited for the lock.
  std::vector<AppliedMigration> applied = load_history(history);
  Reconciliation rec = reconcile(resolved, applied, options);
  if (rec.failed) refuse_failed(*rec.failed, history.name().quoted());
  warn_ignored(rec);
  log::info("Current version of schema " + schema_q + ": " +
            (rec.current ? rec.current->text() : std::string("<< Empty Schema >>")));
  if (rec.pending.empty()) {
    log::info("Schema " + schema_q + " is up to date. No migration necessary.",
              {{"schema", history.name().schema}, {"version", rec.current ? rec.current->text() : std::string()}});
    return 0;
  }

  const std::string search_path = use_default_schema(session, history.name().schema);
  ExecuteOptions exec_options;
  exec_options.installed_by = installed_by;
  exec_options.session_reset = "SET ROLE " + quote_ident(original_role) + "; SELECT set_config('search_path', " +
                               session.literal(search_path) + ", false)";
  ExecutionResult result = execute_plan(session, history, rec.pending, exec_options);

  std::optional<Version> now_at = rec.current;
  for (const AppliedOutcome& o : result.applied) {
    if (o.migration->version && (!now_at || *now_at < *o.migration->version)) now_at = o.migration->version;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  const std::size_t n = result.applied.size();
  std::string message = "Successfully applied " + std::to_string(n) + (n == 1 ? " migration" : " migrations") +
                        " to schema " + schema_q;
  if (now_at) message += ", now at version v" + now_at->text();
  message += " (execution time " + format_duration(elapsed) + ")";
  log::info(message, {{"applied", static_cast<std::int64_t>(n)},
                      {"version", now_at ? now_at->text() : std::string()},
                      {"duration_ms", static_cast<std::int64_t>(elapsed.count())}});
  return 0;
}

int run_info(const Config& config) {
  const ReconcileOptions options = reconcile_options(config);
  auto [resolved, connection] = resolve_and_connect(config);
  Session& session = *connection;
  HistoryTable history(session, TableName{default_schema(config, session), config.table});
  std::vector<AppliedMigration> applied;
  if (history.exists()) applied = load_history(history);
  Reconciliation rec = reconcile(resolved, applied, options);

  if (config.output == OutputFormat::Json) {
    InfoContext context;
    context.schema_name = history.name().schema;
    context.database = session.database();
    Rows r = session.query(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = $1)",
        {history.name().schema});
    context.all_schemas_empty = !r.empty() && r[0][0].value_or("f") == "t";
    context.timestamp = utc_timestamp();
    // Under --log-format json every line of output is one JSON object.
    std::cout << info_json(context, rec, log::format() == log::Format::Json ? -1 : 2) << '\n';
  } else {
    print_info_table(std::cout, rec);
  }
  std::cout.flush();
  return 0;
}

}  // namespace strata
