// migrate: validate, then apply what is pending under the migration lock (Flyway's DbMigrate).
#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>

#include "commands/dry_run.hpp"
#include "strata/commands.hpp"
#include "strata/commands_run.hpp"
#include "strata/execute.hpp"
#include "strata/lock_safety.hpp"
#include "strata/log.hpp"
#include "strata/result_documents.hpp"
#include "strata/progress.hpp"
#include "strata/run.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

[[noreturn]] void refuse_failed(const AppliedMigration& failed, const std::string& table, const std::string& args) {
  std::string what = failed.version ? "version " + *failed.version : "repeatable migration";
  MigrationFailed e("the history " + table + " records a failed migration to " + what + " (" + failed.description +
                    "); remove any half-applied changes, then run `strata repair" + args + "`");
  e.file = failed.script;
  e.migration = failed.script;
  e.hint = "strata repair" + args;
  e.fix = e.hint;
  throw e;
}

// Each warning is logged and kept for the result document.
void warn_ignored(const Reconciliation& rec, std::vector<std::string>& warnings) {
  for (const MigrationInfo& info : rec.infos) {
    if (info.state == MigrationState::Ignored && info.resolved) {
      warnings.push_back("Ignoring migration " + info.resolved->script + ": version " + info.version_text() +
                         " is below the current version " + (rec.current ? rec.current->text() : std::string()) +
                         " and out-of-order is off");
      log::warn(warnings.back(), {{"migration", info.resolved->script}, {"version", info.version_text()}});
    }
  }
}

void up_to_date(const Run& run, const Reconciliation& rec) {
  log::info("Schema " + run.schema_q() + " is up to date. No migration necessary.",
            {{"schema", run.history->name().schema}, {"version", rec.current ? rec.current->text() : std::string()}});
}

// The schemas (history's own first, then --schemas) that hold objects strata did not create:
// tables, views, sequences, functions and types, leaving out what extensions own.
std::string non_empty_schemas(Run& run) {
  std::vector<std::string> schemas{run.history->name().schema};
  for (const std::string& s : run.config.schemas) {
    if (std::find(schemas.begin(), schemas.end(), s) == schemas.end()) schemas.push_back(s);
  }
  std::string non_empty;
  for (const std::string& schema : schemas) {
    Rows r = run.session->query(
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

// Flyway's mixed, group and executeInTransaction, and the server's grammar version.
RoutingOptions routing_options(const Run& run) {
  auto flag = [&](const char* key, bool fallback) {
    auto it = run.config.settings.find(key);
    return it == run.config.settings.end() ? fallback : it->second == "true";
  };
  return {flag("mixed", false), flag("group", false), flag("executeInTransaction", true), run.session->server_version()};
}

// Strict pre-flight: every migration that will run is split, parsed and routed before anything
// is written, so a bad file leaves the database as it was. What it prepared is kept for the run
// under the lock, so that each file is split and parsed once.
std::vector<PreparedMigration> preflight(const Run& run, const std::vector<const ResolvedMigration*>& plan) {
  PendingLint lint = lint_before_migrate(run, plan);
  // Should splitting fail, its error is the one reported (the lint is waited for, not read).
  std::vector<PreparedMigration> prepared = prepare_migrations(plan, routing_options(run));
  report_lint_before_migrate(run, std::move(lint));
  return prepared;
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

// The first look when there is no history table yet: the placeholders of what will run are
// checked, and the files validated when the schema exists (Flyway's callbacks fire then).
std::vector<PreparedMigration> check_first_migrate(Run& run, const ReconcileOptions& options) {
  const Config& config = run.config;
  Reconciliation rec = reconcile(run.migrations(), {}, options);
  std::vector<const ResolvedMigration*> plan = rec.pending;
  if (config.baseline_on_migrate && !non_empty_schemas(run).empty()) {
    // What the baseline will cover never runs, so its placeholders need no value.
    const Version baseline = *Version::parse(config.baseline_version);
    std::erase_if(plan, [&](const ResolvedMigration* m) { return m->version && !(*m->version > baseline); });
  }
  replace_pending(run, plan);
  std::vector<PreparedMigration> prepared = preflight(run, plan);
  if (config.validate_on_migrate && run.facts.schema_exists) {
    validate_before_migrate(run, rec);
  } else if (config.validate_on_migrate) {
    validate_options(run, true);  // still rejects a bad ignoreMigrationPatterns
  }
  return prepared;
}

// The first look, without the lock: a bad file or placeholder stops the run before anything is
// written. True when there is nothing to do, so that a no-op run never waits on a busy lock nor
// opens the lock's connection; then `outcome` holds the current version and the warnings. When
// there is work and `lock` is set, the lock's connection is opened while the plan is prepared
// (into `prepared`); the lock itself is taken, and the history read again, only after.
bool up_to_date_without_lock(Run& run, const ReconcileOptions& options, MigrateOutcome& outcome,
                             std::vector<PreparedMigration>& prepared, bool lock) {
  if (!run.facts.history_exists) {
    if (lock) start_lock_connection(run);
    prepared = check_first_migrate(run, options);
    return false;
  }
  std::vector<AppliedMigration> applied = first_history(run);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  const bool work =
      !rec.pending.empty() || run.has_callbacks({CallbackEvent::BeforeMigrate, CallbackEvent::AfterMigrate});
  if (work && lock && !rec.failed) start_lock_connection(run);
  replace_pending(run, rec.pending);
  prepared = preflight(run, rec.pending);
  validate_before_migrate(run, rec);
  if (rec.failed) refuse_failed(*rec.failed, run.table(), run.args);
  if (work) return false;
  warn_ignored(rec, outcome.base.warnings);
  if (rec.current) outcome.initial_version = rec.current->text();
  up_to_date(run, rec);
  return true;
}

// Without a history table, schemas holding objects are only migrated when baselineOnMigrate says so.
void refuse_unmanaged(const Run& run, const std::string& non_empty) {
  if (non_empty.empty() || run.config.baseline_on_migrate) return;
  ValidationFailed e("found non-empty schema(s) " + non_empty + " but no schema history table " + run.table() +
                     "; strata will not run migrations against objects it did not create");
  e.hint = "run `strata baseline" + run.args + "` first (or migrate with --baseline-on-migrate), or point strata at an empty schema";
  throw e;
}

// Under the lock: creates the history table, baselined first when the schemas already hold
// objects and baselineOnMigrate allows it.
void create_history_for_migrate(Run& run, const std::string& non_empty) {
  refuse_unmanaged(run, non_empty);
  if (non_empty.empty()) {
    create_history(run);
    return;
  }
  // Flyway baselines on migrate through its baseline command, callbacks included.
  fire_on_error_of(run, CallbackEvent::AfterBaselineError, [&] {
    fire(run, CallbackEvent::BeforeBaseline);
    create_history(run);
    write_baseline(run);
  });
  fire(run, CallbackEvent::AfterBaseline);
}

ExecuteOptions execute_options(Run& run, const LockSafety& lock_safety, const MigrationLock& lock) {
  ExecuteOptions options;
  options.lock_safety = &lock_safety;
  options.installed_by = run.installed_by;
  options.fast_commit = run.config.fast_commit;
  options.session_reset = run.session_reset;
  options.callbacks = run.callbacks().empty() ? nullptr : &run.callbacks();
  options.routing = routing_options(run);
  options.watch_connection = &run.config.connection;
  options.wait_report_interval = run.config.wait_report_interval;
  // A runner whose lock connection died has lost the lock: another runner may be in already, so
  // no further migration starts.
  options.before_each = [&lock] { lock.ensure_held(); };
  return options;
}

// Flyway's DbMigrate.migrateAll: afterVersioned fires once per run, where the first repeatable
// starts (followed by beforeRepeatables) or at the end when none runs, even if nothing ran.
ExecutionResult execute_with_callbacks(Run& run, const std::vector<const ResolvedMigration*>& plan,
                                       const std::function<void(const AppliedOutcome&)>& record,
                                       const MigrationLock& lock, std::vector<PreparedMigration>& prepared) {
  std::optional<MigrationProgress> progress;
  if (progress_wanted(run.config) && !plan.empty()) progress.emplace(plan, run.config.connection, run.session->backend_pid());
  auto on_applied = [&](const AppliedOutcome& outcome) {
    if (progress) progress->applied(outcome);
    if (record) record(outcome);
  };
  const LockSafety lock_safety = strata::lock_safety(run.config);
  const ExecuteOptions options = execute_options(run, lock_safety, lock);
  auto first_repeatable = std::find_if(plan.begin(), plan.end(), [](const ResolvedMigration* m) { return !m->version; });
  std::vector<const ResolvedMigration*> versioned(plan.begin(), first_repeatable), repeatable(first_repeatable, plan.end());
  if (options.routing.group && !plan.empty()) {
    // One transaction for the whole plan; a callback commits its own transaction, so the two
    // between versioned and repeatable migrations fire around the group instead.
    if (!repeatable.empty()) fire(run, CallbackEvent::BeforeRepeatables);
    ExecutionResult result = execute_group(*run.session, [&] {
      return execute_prepared(*run.session, *run.history, prepare_migrations(plan, options.routing, prepared), options,
                              on_applied);
    });
    fire(run, CallbackEvent::AfterVersioned);
    return result;
  }
  ExecutionResult result;
  auto execute = [&](const std::vector<const ResolvedMigration*>& part) {
    return execute_prepared(*run.session, *run.history, prepare_migrations(part, options.routing, prepared), options,
                            on_applied);
  };
  if (!versioned.empty()) result = execute(versioned);
  fire(run, CallbackEvent::AfterVersioned);
  if (!repeatable.empty()) {
    fire(run, CallbackEvent::BeforeRepeatables);
    ExecutionResult more = execute(repeatable);
    result.applied.insert(result.applied.end(), more.applied.begin(), more.applied.end());
    result.total += more.total;
  }
  return result;
}

// Flyway's schemaName: the configured schemas, else the one that holds the history table.
std::string schema_names(const Run& run) {
  std::string names;
  for (const std::string& s : run.config.schemas) names += (names.empty() ? "" : ", ") + s;
  return names.empty() ? run.history->name().schema : names;
}

MigrateOutcome finished(const Run& run, MigrateOutcome outcome) {
  outcome.base = document_base(run, std::move(outcome.base.warnings));
  return outcome;
}

// Built only when it is printed: for a run of a thousand migrations it is about a megabyte of
// JSON nodes, and it would be built at the end, when everything else is still in memory too.
void print_migrate_document(const Run& run, MigrateOutcome outcome) {
  if (!document_indent(run.config.output, log::format())) return;
  print_document(run.config, migrate_document(finished(run, std::move(outcome))));
}

MigratedScript migrated_script(const AppliedOutcome& applied) {
  const ResolvedMigration& m = *applied.migration;
  return {m.version ? "Versioned" : "Repeatable",
          m.version ? m.version->text() : std::string(),
          m.description,
          m.type,
          std::filesystem::absolute(m.path).lexically_normal().generic_string(),
          static_cast<std::int64_t>(applied.duration.count())};
}

// A failure while the plan runs names its migration, and carries what was applied before it
// (Flyway's MigrateErrorResult), so that the error document tells the whole outcome.
void describe_failure(Run& run, Error& e, const std::vector<const ResolvedMigration*>& plan, MigrateOutcome& outcome) {
  for (const ResolvedMigration* m : plan) {
    if (e.file.empty() || m->path.string() != e.file) continue;
    e.migration = m->script;
    if (e.kind() == ErrorKind::MigrationFailed && !m->version) e.error_code = "FAILED_REPEATABLE_MIGRATION";
  }
  outcome.success = false;
  e.partial_result = migrate_document(finished(run, outcome)).dump();
}

// Runs the plan between beforeMigrate and afterMigrate; each migration applied is added to `outcome`.
ExecutionResult apply_pending(Run& run, const Reconciliation& rec, MigrateOutcome& outcome, const MigrationLock& lock,
                              std::vector<PreparedMigration>& prepared) {
  prepare_session(run);
  auto record = [&outcome](const AppliedOutcome& applied) { outcome.migrations.push_back(migrated_script(applied)); };
  ExecutionResult result;
  try {
    result = fire_on_error_of(run, CallbackEvent::AfterMigrateError, [&] {
      replace_pending(run, rec.pending);
      fire(run, CallbackEvent::BeforeMigrate);
      return execute_with_callbacks(run, rec.pending, record, lock, prepared);
    });
  } catch (Error& e) {
    describe_failure(run, e, rec.pending, outcome);
    throw;
  }
  if (!result.applied.empty()) fire(run, CallbackEvent::AfterMigrateApplied);
  fire(run, CallbackEvent::AfterMigrate);
  return result;
}

void report_applied(const Run& run, const Reconciliation& rec, const ExecutionResult& result, const Stopwatch& watch) {
  std::optional<Version> now_at = rec.current;
  for (const AppliedOutcome& o : result.applied) {
    if (o.migration->version && (!now_at || *now_at < *o.migration->version)) now_at = o.migration->version;
  }
  const std::chrono::milliseconds elapsed = watch.elapsed();
  const std::size_t n = result.applied.size();
  std::string message = "Successfully applied " + std::to_string(n) + (n == 1 ? " migration" : " migrations") +
                        " to schema " + run.schema_q();
  if (now_at) message += ", now at version v" + now_at->text();
  message += " (execution time " + format_duration(elapsed) + ")";
  log::info(message, {{"applied", static_cast<std::int64_t>(n)},
                      {"version", now_at ? now_at->text() : std::string()},
                      {"duration_ms", static_cast<std::int64_t>(elapsed.count())}});
}

// migrate --dry-run: the same first look (files, placeholders, validation) without the lock, the
// callbacks written rather than fired, then the SQL written out; logs go to stderr.
int dry_run_migrate(const Config& config, const ReconcileOptions& options) {
  log::reserve_stdout(true);
  Run run = open_run(config, {CallbackEvent::BeforeMigrate, CallbackEvent::BeforeEachMigrate,
                              CallbackEvent::AfterEachMigrate, CallbackEvent::AfterMigrate});
  MigrateOutcome unused;  // a dry run prints SQL, not a result document
  std::vector<PreparedMigration> prepared;
  if (up_to_date_without_lock(run, options, unused, prepared, false)) return 0;
  if (run.facts.history_exists) return write_dry_run(run, reconcile(run.migrations(), load_history(*run.history), options), false, false);
  const std::string non_empty = non_empty_schemas(run);
  refuse_unmanaged(run, non_empty);
  return write_dry_run(run, reconcile(run.migrations(), {}, options), true, !non_empty.empty());
}

}  // namespace

Run open_migrate_run(const Config& config) {
  return open_run(config, {CallbackEvent::BeforeValidate, CallbackEvent::AfterValidate,
                          CallbackEvent::AfterValidateError, CallbackEvent::BeforeBaseline,
                          CallbackEvent::AfterBaseline, CallbackEvent::AfterBaselineError,
                          CallbackEvent::BeforeMigrate, CallbackEvent::BeforeEachMigrate,
                          CallbackEvent::AfterEachMigrate, CallbackEvent::AfterEachMigrateError,
                          CallbackEvent::AfterVersioned, CallbackEvent::BeforeRepeatables,
                          CallbackEvent::AfterMigrateApplied, CallbackEvent::AfterMigrate,
                          CallbackEvent::AfterMigrateError});
}

int run_migrate(const Config& config) {
  const Stopwatch watch;
  if (dry_run_requested(config)) return dry_run_migrate(config, reconcile_options(config));
  Run run = open_migrate_run(config);
  return migrate(run, watch);
}

int migrate(Run& run, const Stopwatch& watch) {
  const Config& config = run.config;
  const ReconcileOptions options = reconcile_options(config);
  MigrateOutcome outcome;
  outcome.schema_name = schema_names(run);
  std::vector<PreparedMigration> prepared;
  if (up_to_date_without_lock(run, options, outcome, prepared, true)) {
    print_migrate_document(run, std::move(outcome));
    return 0;
  }

  // Without a history table, what creating it depends on is asked while the lock's connection is
  // still being opened. Objects appearing in the schema meanwhile are no different from objects
  // appearing right after a check made under the lock: the lock keeps out runners, not writers.
  std::optional<std::string> non_empty;
  if (!run.facts.history_exists) {
    prepare_session(run);
    non_empty = non_empty_schemas(run);
  }
  std::unique_ptr<MigrationLock> lock = take_lock(run);
  if (!run.history->exists()) create_history_for_migrate(run, non_empty ? *non_empty : non_empty_schemas(run));
  // Another runner may have applied migrations while this one waited for the lock.
  std::vector<AppliedMigration> applied = load_history(*run.history);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  if (rec.failed) refuse_failed(*rec.failed, run.table(), run.args);
  warn_ignored(rec, outcome.base.warnings);
  if (rec.current) outcome.initial_version = rec.current->text();
  log::info("Current version of schema " + run.schema_q() + ": " +
            (rec.current ? rec.current->text() : std::string("<< Empty Schema >>")));

  ExecutionResult result = apply_pending(run, rec, outcome, *lock, prepared);
  if (rec.pending.empty()) {
    up_to_date(run, rec);
  } else {
    report_applied(run, rec, result, watch);
  }
  print_migrate_document(run, std::move(outcome));
  return 0;
}

}  // namespace strata
