#include "strata/commands.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <set>

#include "strata/callbacks.hpp"
#include "strata/checksum.hpp"
#include "strata/clean.hpp"
#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/execute.hpp"
#include "strata/history.hpp"
#include "strata/lock.hpp"
#include "strata/placeholders.hpp"
#include "strata/log.hpp"
#include "strata/reconcile.hpp"
#include "strata/report.hpp"
#include "strata/resolve.hpp"
#include "strata/validate.hpp"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

ResolvedScripts resolve_all(const Config& config) {
  const auto start = Clock::now();
  ResolveOptions options;
  options.locations = config.locations;
  options.naming = config.naming;
  ResolvedScripts resolved = resolve_scripts(options);
  log::debug("Resolved " + std::to_string(resolved.migrations.size()) + " migrations and " +
                 std::to_string(resolved.callbacks.size()) + " callbacks",
             {{"duration_ms", ms_since(start)}});
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
std::pair<ResolvedScripts, std::unique_ptr<Session>> resolve_and_connect(const Config& config) {
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

// The schemas (history's own first, then --schemas) that hold objects strata did not create:
// tables, views, sequences, functions and types, leaving out what extensions own.
std::string non_empty_schemas(Session& session, const HistoryTable& history, const Config& config) {
  std::vector<std::string> schemas{history.name().schema};
  for (const std::string& s : config.schemas) {
    if (std::find(schemas.begin(), schemas.end(), s) == schemas.end()) schemas.push_back(s);
  }
  std::string non_empty;
  for (const std::string& schema : schemas) {
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
  return non_empty;
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

[[noreturn]] void refuse_failed(const AppliedMigration& failed, const std::string& table, const std::string& args) {
  std::string what = failed.version ? "version " + *failed.version : "repeatable migration";
  MigrationFailed e("the history " + table + " records a failed migration to " + what + " (" + failed.description +
                    "); remove any half-applied changes, then run `strata repair" + args + "`");
  e.file = failed.script;
  e.hint = "strata repair" + args;
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


// Everything a command works with once the files are read and the database is reached.
struct Run {
  const Config& config;
  ResolvedScripts scripts;
  std::unique_ptr<Session> session;
  std::unique_ptr<HistoryTable> history;
  std::string args;  // what to repeat in suggested commands, e.g. " -e prod"
  // Set by prepare_session: the role migrations start as, installed_by and the reset statements.
  std::string original_role;
  std::string installed_by;
  std::string session_reset;
  PlaceholderSettings placeholders;
  std::set<const ResolvedMigration*> replaced;  // versioned migrations whose placeholders are replaced

  std::vector<ResolvedMigration>& migrations() { return scripts.migrations; }
  const std::vector<ResolvedCallback>& callbacks() const { return scripts.callbacks; }
  bool has_callbacks(std::initializer_list<CallbackEvent> events) const {
    for (CallbackEvent e : events)
      if (!callbacks_for(scripts.callbacks, e).empty()) return true;
    return false;
  }
  std::string table() const { return history->name().quoted(); }
  std::string schema_q() const { return quote_ident(history->name().schema); }
};

std::string command_args(const Config& config) {
  return (config.environment.empty() ? std::string() : " -e " + config.environment) + config.command_args;
}

// Replaces the placeholders of one script, keeping what is needed to point errors into its file.
template <typename Script>
void replace_in(Script& script, const PlaceholderSettings& placeholders) {
  std::vector<Splice> splices;
  std::string replaced = replace_placeholders(script.sql, placeholders, script.path.filename().string(),
                                              script.path.string(), &splices);
  if (!splices.empty()) {
    script.original_sql = std::move(script.sql);
    script.splices = std::move(splices);
  }
  script.sql = std::move(replaced);
}

// Flyway's placeholders, replaced once the connection-dependent built-ins are known. Repeatables
// and callbacks are replaced here, since a repeatable's checksum is that of its replaced text;
// versioned migrations keep their raw checksum and are replaced by `replace_pending` only when
// they are about to run, so an applied one never fails for a placeholder nobody sets any more.
void apply_placeholders(Run& run) {
  const Config& config = run.config;
  run.placeholders.enabled = config.placeholder_replacement;
  if (!config.placeholder_replacement) return;
  run.placeholders.prefix = config.placeholder_prefix;
  run.placeholders.suffix = config.placeholder_suffix;
  run.placeholders.values = config.placeholders;
  Rows r = run.session->query("SELECT current_user, current_database()");
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  run.placeholders.builtins =
      builtin_placeholders(run.history->name().schema, r[0][0].value_or(""), r[0][1].value_or(""),
                           run.history->name().table, config.environment, cwd.string(), std::chrono::system_clock::now());
  for (ResolvedMigration& m : run.scripts.migrations) {
    if (m.kind != MigrationKind::Repeatable) continue;
    const std::string name = m.path.filename().string();
    MigrationChecksums sums = migration_checksums(m.kind, m.sql, run.placeholders, name, m.path.string());
    m.checksum = sums.checksum;
    m.equivalent_checksum = sums.equivalent_checksum;
    replace_in(m, run.placeholders);
  }
  for (ResolvedCallback& c : run.scripts.callbacks) replace_in(c, run.placeholders);
}

// Every file of the plan is checked before the first one runs, and before migrate creates or
// writes anything, so that an undefined placeholder leaves the database as it was. Each file is
// replaced once: a value is never scanned again.
void replace_pending(Run& run, const std::vector<const ResolvedMigration*>& plan) {
  if (!run.placeholders.enabled) return;
  for (const ResolvedMigration* p : plan) {
    if (!p->version || !run.replaced.insert(p).second) continue;  // repeatables: apply_placeholders
    auto& m = const_cast<ResolvedMigration&>(*p);  // points into run.scripts.migrations
    replace_in(m, run.placeholders);
  }
}

// `events`: the callbacks the command can fire. The others are dropped unread, as Flyway reads a
// callback only when it runs: a placeholder that only an afterMigrate callback uses must not stop
// info or repair where nobody sets it. The ones kept are replaced before anything runs. Likewise
// baseline and clean never look at a migration, so a repeatable's placeholders (replaced to
// compute its checksum) need no value there.
Run open_run(const Config& config, std::initializer_list<CallbackEvent> events, bool uses_migrations = true) {
  auto [scripts, session] = resolve_and_connect(config);
  if (!uses_migrations) scripts.migrations.clear();
  if (config.skip_default_callbacks) scripts.callbacks.clear();
  std::erase_if(scripts.callbacks, [&](const ResolvedCallback& c) {
    return std::find(events.begin(), events.end(), c.event) == events.end();
  });
  Run run{config, std::move(scripts), std::move(session), nullptr, command_args(config), {}, {}, {}, {}, {}};
  run.history = std::make_unique<HistoryTable>(*run.session, TableName{default_schema(config, *run.session), config.table});
  apply_placeholders(run);
  return run;
}

// The session as migrations and callbacks see it: the default schema in front of search_path,
// and the statements that put role and search_path back before each script.
void prepare_session(Run& run) {
  if (!run.session_reset.empty()) return;
  Session& session = *run.session;
  run.original_role = session.query("SELECT current_user")[0][0].value_or(session.user());
  run.installed_by = run.config.installed_by.empty() ? run.original_role : run.config.installed_by;
  const std::string search_path = use_default_schema(session, run.history->name().schema);
  run.session_reset = "SET ROLE " + quote_ident(run.original_role) + "; SELECT set_config('search_path', " +
                      session.literal(search_path) + ", false)";
}

void fire(Run& run, CallbackEvent event) {
  if (callbacks_for(run.callbacks(), event).empty()) return;
  prepare_session(run);
  run_callbacks(*run.session, run.callbacks(), event, run.session_reset);
}

// An *Error callback must not hide the error that fired it.
void fire_on_error(Run& run, CallbackEvent event) {
  try {
    fire(run, event);
  } catch (const Error& e) {
    log::warn(std::string(callback_event_id(event)) + " callback failed too: " + e.what());
  }
}

std::unique_ptr<MigrationLock> take_lock(Run& run) {
  return std::make_unique<MigrationLock>(run.config.connection, flyway_lock_key(run.table()), run.table(),
                                         run.config.lock_wait_timeout);
}

void check_schemas_exist(Run& run) {
  if (run.config.create_schemas) return;
  std::vector<std::string> schemas{run.history->name().schema};
  schemas.insert(schemas.end(), run.config.schemas.begin(), run.config.schemas.end());
  for (const std::string& s : schemas) {
    if (!run.history->schema_exists(s)) {
      throw ConfigError("schema " + quote_ident(s) + " does not exist and createSchemas is false; create it, or set --create-schemas=true");
    }
  }
}

void create_history(Run& run) {
  check_schemas_exist(run);
  log::info("Creating Schema History table " + run.table() + " ...");
  prepare_session(run);
  run.history->create(run.config.schemas, run.installed_by);
}

AppliedMigration baseline_row(const Run& run) {
  AppliedMigration row;
  row.version = Version::parse(run.config.baseline_version)->text();
  row.description = run.config.baseline_description;
  row.type = "BASELINE";
  row.script = run.config.baseline_description;
  row.installed_by = run.installed_by;
  row.execution_time = 0;
  row.success = true;
  return row;
}

void write_baseline(Run& run) {
  prepare_session(run);
  run.session->exec("BEGIN");
  try {
    run.history->append(baseline_row(run));
    run.session->exec("COMMIT");
  } catch (...) {
    run.session->exec_cleanup("ROLLBACK");
    throw;
  }
  log::info("Successfully baselined schema " + run.schema_q() + " with version: " + run.config.baseline_version,
            {{"schema", run.history->name().schema}, {"version", run.config.baseline_version}});
}

// Prints each problem on its own line with its fix, then throws the one-line summary.
void report_problems(Run& run, const std::vector<ValidationProblem>& problems) {
  for (const ValidationProblem& p : problems) {
    log::error(p.file + ": " + p.message + "; to fix: " + p.fix,
               {{"file", p.file}, {"version", p.version}, {"error_code", p.code}, {"fix", p.fix}});
  }
  const std::size_t n = problems.size();
  ValidationFailed e("Validate failed: " + std::to_string(n) + (n == 1 ? " problem" : " problems") + " with " +
                     run.table() + " (each listed above with its fix)");
  bool all_repairable = true;
  for (const ValidationProblem& p : problems) all_repairable = all_repairable && p.fix.find("strata repair") != std::string::npos;
  if (all_repairable) e.hint = "once the files are as intended: strata repair" + run.args;
  throw e;
}

ValidateOptions validate_options(const Run& run, bool allow_pending) {
  ValidateOptions options;
  options.ignore = parse_ignore_patterns(run.config.ignore_migration_patterns);
  if (allow_pending) options.ignore.push_back(parse_ignore_patterns({"*:pending"}).front());
  options.command_args = run.args;
  return options;
}

// validate as migrate runs it first: pending migrations are fine, anything else stops the run.
void validate_before_migrate(Run& run, const Reconciliation& rec) {
  if (!run.config.validate_on_migrate) return;
  fire(run, CallbackEvent::BeforeValidate);
  std::vector<ValidationProblem> problems = validate_migrations(rec, validate_options(run, true));
  if (!problems.empty()) {
    fire_on_error(run, CallbackEvent::AfterValidateError);
    report_problems(run, problems);
  }
  fire(run, CallbackEvent::AfterValidate);
}

// Flyway's DbMigrate.migrateAll: afterVersioned fires once per run, where the first repeatable
// starts (followed by beforeRepeatables) or at the end when none runs, even if nothing ran.
ExecutionResult execute_with_callbacks(Run& run, const std::vector<const ResolvedMigration*>& plan) {
  ExecuteOptions options;
  options.installed_by = run.installed_by;
  options.session_reset = run.session_reset;
  options.callbacks = run.callbacks().empty() ? nullptr : &run.callbacks();
  auto first_repeatable = std::find_if(plan.begin(), plan.end(), [](const ResolvedMigration* m) { return !m->version; });
  std::vector<const ResolvedMigration*> versioned(plan.begin(), first_repeatable), repeatable(first_repeatable, plan.end());
  ExecutionResult result;
  if (!versioned.empty()) result = execute_plan(*run.session, *run.history, versioned, options);
  fire(run, CallbackEvent::AfterVersioned);
  if (!repeatable.empty()) {
    fire(run, CallbackEvent::BeforeRepeatables);
    ExecutionResult more = execute_plan(*run.session, *run.history, repeatable, options);
    result.applied.insert(result.applied.end(), more.applied.begin(), more.applied.end());
    result.total += more.total;
  }
  return result;
}

void up_to_date(const Run& run, const Reconciliation& rec) {
  log::info("Schema " + run.schema_q() + " is up to date. No migration necessary.",
            {{"schema", run.history->name().schema}, {"version", rec.current ? rec.current->text() : std::string()}});
}

}  // namespace

int run_migrate(const Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const ReconcileOptions options = reconcile_options(config);
  Run run = open_run(config, {CallbackEvent::BeforeValidate, CallbackEvent::AfterValidate,
                              CallbackEvent::AfterValidateError, CallbackEvent::BeforeBaseline,
                              CallbackEvent::AfterBaseline, CallbackEvent::AfterBaselineError,
                              CallbackEvent::BeforeMigrate, CallbackEvent::BeforeEachMigrate,
                              CallbackEvent::AfterEachMigrate, CallbackEvent::AfterEachMigrateError,
                              CallbackEvent::AfterVersioned, CallbackEvent::BeforeRepeatables,
                              CallbackEvent::AfterMigrateApplied, CallbackEvent::AfterMigrate,
                              CallbackEvent::AfterMigrateError});
  Session& session = *run.session;
  HistoryTable& history = *run.history;
  const bool migrate_callbacks = run.has_callbacks({CallbackEvent::BeforeMigrate, CallbackEvent::AfterMigrate});

  // First look without the lock: when nothing is pending, a no-op run never waits on a busy lock.
  if (history.exists()) {
    std::vector<AppliedMigration> applied = load_history(history);
    Reconciliation rec = reconcile(run.migrations(), applied, options);
    replace_pending(run, rec.pending);
    validate_before_migrate(run, rec);
    if (rec.failed) refuse_failed(*rec.failed, run.table(), run.args);
    if (rec.pending.empty() && !migrate_callbacks) {
      warn_ignored(rec);
      up_to_date(run, rec);
      return 0;
    }
  } else {
    Reconciliation rec = reconcile(run.migrations(), {}, options);
    std::vector<const ResolvedMigration*> plan = rec.pending;
    if (config.baseline_on_migrate && !non_empty_schemas(session, history, config).empty()) {
      // What the baseline will cover never runs, so its placeholders need no value.
      const Version baseline = *Version::parse(config.baseline_version);
      std::erase_if(plan, [&](const ResolvedMigration* m) { return m->version && !(*m->version > baseline); });
    }
    replace_pending(run, plan);
    if (config.validate_on_migrate && history.schema_exists(history.name().schema)) {
      // Flyway validates whenever the schema exists, history or not (its callbacks fire).
      validate_before_migrate(run, rec);
    } else if (config.validate_on_migrate) {
      validate_options(run, true);  // still rejects a bad ignoreMigrationPatterns
    }
  }

  std::unique_ptr<MigrationLock> lock = take_lock(run);
  if (!history.exists()) {
    const std::string non_empty = non_empty_schemas(session, history, config);
    if (!non_empty.empty() && !config.baseline_on_migrate) {
      ValidationFailed e("found non-empty schema(s) " + non_empty + " but no schema history table " + run.table() +
                         "; strata will not run migrations against objects it did not create");
      e.hint = "run `strata baseline" + run.args + "` first (or migrate with --baseline-on-migrate), or point strata at an empty schema";
      throw e;
    }
    if (non_empty.empty()) {
      create_history(run);
    } else {
      // Flyway baselines on migrate through its baseline command, callbacks included.
      try {
        fire(run, CallbackEvent::BeforeBaseline);
        create_history(run);
        write_baseline(run);
      } catch (const Error&) {
        fire_on_error(run, CallbackEvent::AfterBaselineError);
        throw;
      }
      fire(run, CallbackEvent::AfterBaseline);
    }
  }
  // Another runner may have applied migrations while this one waited for the lock.
  std::vector<AppliedMigration> applied = load_history(history);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  if (rec.failed) refuse_failed(*rec.failed, run.table(), run.args);
  warn_ignored(rec);
  log::info("Current version of schema " + run.schema_q() + ": " +
            (rec.current ? rec.current->text() : std::string("<< Empty Schema >>")));

  prepare_session(run);
  ExecutionResult result;
  try {
    replace_pending(run, rec.pending);
    fire(run, CallbackEvent::BeforeMigrate);
    result = execute_with_callbacks(run, rec.pending);
  } catch (const Error&) {
    fire_on_error(run, CallbackEvent::AfterMigrateError);
    throw;
  }
  if (!result.applied.empty()) fire(run, CallbackEvent::AfterMigrateApplied);
  fire(run, CallbackEvent::AfterMigrate);
  if (rec.pending.empty()) {
    up_to_date(run, rec);
    return 0;
  }

  std::optional<Version> now_at = rec.current;
  for (const AppliedOutcome& o : result.applied) {
    if (o.migration->version && (!now_at || *now_at < *o.migration->version)) now_at = o.migration->version;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  const std::size_t n = result.applied.size();
  std::string message = "Successfully applied " + std::to_string(n) + (n == 1 ? " migration" : " migrations") +
                        " to schema " + run.schema_q();
  if (now_at) message += ", now at version v" + now_at->text();
  message += " (execution time " + format_duration(elapsed) + ")";
  log::info(message, {{"applied", static_cast<std::int64_t>(n)},
                      {"version", now_at ? now_at->text() : std::string()},
                      {"duration_ms", static_cast<std::int64_t>(elapsed.count())}});
  return 0;
}

namespace {

int info(Run& run, const Config& config) {
  const ReconcileOptions options = reconcile_options(config);
  Session& session = *run.session;
  HistoryTable& history = *run.history;
  fire(run, CallbackEvent::BeforeInfo);
  std::vector<AppliedMigration> applied;
  if (history.exists()) applied = load_history(history);
  Reconciliation rec = reconcile(run.migrations(), applied, options);

  // Under --log-format json every line of stdout is one JSON object, so the table cannot be
  // printed; the info document on one line takes its place.
  if (config.output == OutputFormat::Json || log::format() == log::Format::Json) {
    InfoContext context;
    context.schema_name = history.name().schema;
    context.database = session.database();
    Rows r = session.query(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = $1)",
        {history.name().schema});
    context.all_schemas_empty = !r.empty() && r[0][0].value_or("f") == "t";
    context.timestamp = utc_timestamp();
    std::cout << info_json(context, rec, log::format() == log::Format::Json ? -1 : 2) << '\n';
  } else {
    print_info_table(std::cout, rec);
  }
  std::cout.flush();
  fire(run, CallbackEvent::AfterInfo);
  return 0;
}

}  // namespace

int run_info(const Config& config) {
  Run run = open_run(config, {CallbackEvent::BeforeInfo, CallbackEvent::AfterInfo, CallbackEvent::AfterInfoError});
  try {
    return info(run, config);
  } catch (const Error&) {
    fire_on_error(run, CallbackEvent::AfterInfoError);
    throw;
  }
}

int run_validate(const Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const ReconcileOptions options = reconcile_options(config);
  Run run = open_run(config, {CallbackEvent::BeforeValidate, CallbackEvent::AfterValidate, CallbackEvent::AfterValidateError});
  HistoryTable& history = *run.history;
  ValidateOptions validate = validate_options(run, false);
  std::vector<AppliedMigration> applied;
  // Flyway's DbValidate fires its callbacks whenever the default schema exists.
  const bool exists = history.schema_exists(history.name().schema);
  if (exists) fire(run, CallbackEvent::BeforeValidate);
  if (history.exists()) applied = load_history(history);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  std::vector<ValidationProblem> problems = validate_migrations(rec, validate);
  if (config.output == OutputFormat::Json) {
    std::cout << validate_json(run.session->database(), problems, static_cast<int>(rec.infos.size()),
                               log::format() == log::Format::Json ? -1 : 2)
              << std::endl;
    if (!problems.empty()) {
      if (exists) fire_on_error(run, CallbackEvent::AfterValidateError);
      return 1;
    }
    if (exists) fire(run, CallbackEvent::AfterValidate);
    return 0;
  }
  if (!problems.empty()) {
    if (exists) fire_on_error(run, CallbackEvent::AfterValidateError);
    report_problems(run, problems);
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  const std::size_t n = rec.infos.size();
  log::info("Successfully validated " + std::to_string(n) + (n == 1 ? " migration" : " migrations") +
                " (execution time " + format_duration(elapsed) + ")",
            {{"validated", static_cast<std::int64_t>(n)}});
  if (n == 0) log::warn("No migrations found. Are your locations set up correctly?");
  if (exists) fire(run, CallbackEvent::AfterValidate);
  return 0;
}

int run_repair(const Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const ReconcileOptions options = reconcile_options(config);
  Run run = open_run(config, {CallbackEvent::BeforeRepair, CallbackEvent::AfterRepair, CallbackEvent::AfterRepairError});
  HistoryTable& history = *run.history;
  const std::vector<IgnorePattern> ignore = parse_ignore_patterns(config.ignore_migration_patterns);
  try {
    fire(run, CallbackEvent::BeforeRepair);
    if (!history.exists()) {
      log::info("Repair of " + run.table() + " not necessary: the table does not exist.");
      fire(run, CallbackEvent::AfterRepair);
      return 0;
    }
    std::unique_ptr<MigrationLock> lock = take_lock(run);
    prepare_session(run);
    Session& session = *run.session;
    std::vector<std::string> changes;
    session.exec("BEGIN");
    try {
      std::vector<AppliedMigration> applied = load_history(history);
      for (const AppliedMigration& row : applied) {
        if (row.success) continue;
        history.delete_failed(row.installed_rank);
        changes.push_back("removed failed " + (row.version ? "version " + *row.version : "repeatable \"" + row.description + "\"") +
                          " (" + row.script + ")");
      }
      applied = load_history(history);
      Reconciliation rec = reconcile(run.migrations(), applied, options);
      for (const MigrationInfo& info : rec.infos) {
        const AppliedMigration* row = info.applied;
        if (!row || is_synthetic_type(row->type) || is_undo_type(row->type)) continue;
        const MigrationState s = info.state;
        const bool missing = s == MigrationState::Missing || s == MigrationState::MissingFailed ||
                             s == MigrationState::Future || s == MigrationState::FutureFailed;
        const bool ignored = std::any_of(ignore.begin(), ignore.end(),
                                         [&](const IgnorePattern& p) { return p.matches(info.is_versioned(), s); });
        if (missing && !ignored) {
          AppliedMigration marker = *row;
          marker.type = "DELETE";
          marker.installed_by = run.installed_by;
          marker.execution_time = 0;
          history.append(marker);
          changes.push_back("marked " + (row->version ? "version " + *row->version : "repeatable \"" + row->description + "\"") +
                            " (" + row->script + ") as deleted: its file is gone");
          continue;
        }
        const ResolvedMigration* file = info.resolved;
        if (!file || s == MigrationState::Ignored) continue;
        if (file->version) {
          const bool checksum = !checksum_matches(*file, row->checksum);
          // The row holds the description as stored, shortened past 200 characters.
          const bool description = fit_description(file->description) != row->description;
          const bool type = file->type != canonical_type(row->type);
          if (!checksum && !description && !type) continue;
          history.realign(row->installed_rank, file->description, file->type, file->checksum);
          std::string what;
          if (checksum) what += "checksum " + (row->checksum ? std::to_string(*row->checksum) : std::string("null")) + " -> " + std::to_string(file->checksum);
          if (description) what += std::string(what.empty() ? "" : ", ") + "description \"" + row->description + "\" -> \"" + file->description + "\"";
          if (type) what += std::string(what.empty() ? "" : ", ") + "type " + row->type + " -> " + file->type;
          changes.push_back("realigned version " + *row->version + " (" + file->script + "): " + what);
        } else if (row->checksum && *row->checksum != file->checksum && checksum_matches(*file, row->checksum)) {
          // Written without placeholder replacement: the same file, so the row takes the new checksum.
          history.realign(row->installed_rank, file->description, file->type, file->checksum);
          changes.push_back("realigned repeatable \"" + file->description + "\" (" + file->script + "): checksum " +
                            std::to_string(*row->checksum) + " -> " + std::to_string(file->checksum));
        }
      }
      session.exec("COMMIT");
    } catch (...) {
      session.exec_cleanup("ROLLBACK");
      throw;
    }
    for (const std::string& c : changes) log::info("Repair: " + c, {{"change", c}});
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (changes.empty()) {
      log::info("Repair of " + run.table() + " not necessary: it already matches the files.");
    } else {
      log::info("Successfully repaired schema history table " + run.table() + " (execution time " +
                    format_duration(elapsed) + ")",
                {{"changes", static_cast<std::int64_t>(changes.size())}});
    }
  } catch (const Error&) {
    fire_on_error(run, CallbackEvent::AfterRepairError);
    throw;
  }
  fire(run, CallbackEvent::AfterRepair);
  return 0;
}

int run_baseline(const Config& config) {
  Run run = open_run(config, {CallbackEvent::BeforeBaseline, CallbackEvent::AfterBaseline, CallbackEvent::AfterBaselineError},
                     false);
  HistoryTable& history = *run.history;
  const std::string wanted = "(" + config.baseline_version + ", " + config.baseline_description + ")";
  try {
    fire(run, CallbackEvent::BeforeBaseline);
    std::unique_ptr<MigrationLock> lock = take_lock(run);
    if (!history.exists()) {
      create_history(run);
      write_baseline(run);
    } else {
      std::vector<AppliedMigration> applied = load_history(history);
      const AppliedMigration* marker = nullptr;
      bool has_schema_row = false;
      for (const AppliedMigration& row : applied) {
        if (row.type == "BASELINE") marker = &row;
        else if (row.type == "SCHEMA") has_schema_row = true;
      }
      const Version want = *Version::parse(config.baseline_version);
      if (marker) {
        if (marker->parsed_version() == want && marker->description == config.baseline_description) {
          log::info("Schema history table " + run.table() + " already initialized with " + wanted + ". Skipping.");
        } else {
          ValidationFailed e("cannot baseline " + run.table() + " with " + wanted + ": it is already baselined with (" +
                             marker->version.value_or("") + ", " + marker->description + ")");
          e.hint = "run `strata info" + run.args + "` to see the history; a different baseline needs a new, empty history table";
          throw e;
        }
      } else if (has_schema_row && want == *Version::parse("0")) {
        throw ValidationFailed("cannot baseline " + run.table() + " with version 0: that version marks the schema creation");
      } else {
        // Flyway baselines only a history table it creates: an existing one without a baseline row
        // has either recorded migrations or was left empty by something else.
        ValidationFailed e(applied.empty() ? "cannot baseline " + run.table() + ": the table already exists, and is empty"
                                           : "cannot baseline " + run.table() + ": it already records migrations");
        e.hint = applied.empty() ? "drop the empty history table, then run `strata baseline" + run.args + "` again"
                                 : "baseline is for a database that has no history yet; run `strata info" + run.args +
                                       "` to see it";
        throw e;
      }
    }
  } catch (const Error&) {
    fire_on_error(run, CallbackEvent::AfterBaselineError);
    throw;
  }
  fire(run, CallbackEvent::AfterBaseline);
  return 0;
}

int run_clean(const Config& config) {
  if (config.environment_protected) {
    ConfigError e("environment '" + config.environment + "' is marked protected: true in " +
                  config.settings.at("configFiles") + "; strata never cleans it");
    e.hint = "clean drops every object in the schemas; use it on dev databases only";
    throw e;
  }
  if (config.clean_disabled) {
    ConfigError e("clean is disabled: it drops every object in the managed schemas, so cleanDisabled is true by default");
    e.hint = "to clean a disposable database: strata clean --clean-disabled=false";
    throw e;
  }
  const auto start = std::chrono::steady_clock::now();
  Run run = open_run(config, {CallbackEvent::BeforeClean, CallbackEvent::AfterClean, CallbackEvent::AfterCleanError},
                     false);
  HistoryTable& history = *run.history;
  // Flyway's prepareSchemas: the configured schemas, with the default schema in front when it is
  // not among them.
  std::vector<std::string> schemas = config.schemas;
  if (std::find(schemas.begin(), schemas.end(), history.name().schema) == schemas.end()) {
    schemas.insert(schemas.begin(), history.name().schema);
  }
  try {
    fire(run, CallbackEvent::BeforeClean);
    std::unique_ptr<MigrationLock> lock = take_lock(run);
    std::vector<std::string> created;
    if (history.exists()) {
      try {
        created = created_schemas(load_history(history));
      } catch (const ValidationFailed& e) {
        log::warn(std::string("cannot tell which schemas strata created, so none is dropped, only emptied: ") + e.what());
      }
    }
    CleanResult result = clean_schemas(*run.session, schemas, created);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    for (const std::string& w : result.warnings) log::warn(w);
    for (const std::string& s : result.cleaned_schemas)
      log::info("Successfully cleaned schema " + quote_ident(s), {{"schema", s}});
    for (const std::string& s : result.dropped_schemas)
      log::info("Successfully dropped schema " + quote_ident(s) + " (strata created it)", {{"schema", s}});
    log::info("Successfully cleaned " + std::to_string(schemas.size()) + (schemas.size() == 1 ? " schema" : " schemas") +
                  " (execution time " + format_duration(elapsed) + ")",
              {{"duration_ms", static_cast<std::int64_t>(elapsed.count())}});
  } catch (const Error&) {
    fire_on_error(run, CallbackEvent::AfterCleanError);
    throw;
  }
  // The schemas may be gone now; afterClean runs with the search_path it finds.
  fire(run, CallbackEvent::AfterClean);
  return 0;
}

}  // namespace strata
