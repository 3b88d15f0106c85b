// migrate: validate, then apply what is pending under the migration lock (Flyway's DbMigrate).
#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>

#include "commands/dry_run.hpp"
#include "commands/first_look.hpp"
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

using namespace migrate_detail;

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

// `cwd` is asked once per run: std::filesystem::absolute asks the kernel for it on every call.
MigratedScript migrated_script(const AppliedOutcome& applied, const std::filesystem::path& cwd) {
  const ResolvedMigration& m = *applied.migration;
  return {m.version ? "Versioned" : "Repeatable",
          m.version ? m.version->text() : std::string(),
          m.description,
          m.type,
          (m.path.is_absolute() ? m.path : cwd / m.path).lexically_normal().generic_string(),
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
  const std::filesystem::path cwd = std::filesystem::current_path();
  auto record = [&outcome, &cwd](const AppliedOutcome& applied) {
    outcome.migrations.push_back(migrated_script(applied, cwd));
  };
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
  FirstLook look;
  const bool noop = up_to_date_without_lock(run, options, unused, look, false);
  finish_lint(run, look);
  if (noop) return 0;
  if (run.facts.history_exists) return write_dry_run(run, reconcile(run.migrations(), load_history(*run.history), options), false, false);
  const std::string non_empty = *look.non_empty;
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
  FirstLook look;
  if (up_to_date_without_lock(run, options, outcome, look, true)) {
    finish_lint(run, look);
    print_migrate_document(run, std::move(outcome));
    return 0;
  }

  std::unique_ptr<MigrationLock> lock = take_lock(run);
  if (!run.history->exists()) create_history_for_migrate(run, look.non_empty ? *look.non_empty : non_empty_schemas(run));
  // Another runner may have applied migrations while this one waited for the lock.
  std::vector<AppliedMigration> applied = load_history(*run.history);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  if (rec.failed) refuse_failed(*rec.failed, run.table(), run.args);
  warn_ignored(rec, outcome.base.warnings);
  if (rec.current) outcome.initial_version = rec.current->text();
  log::info("Current version of schema " + run.schema_q() + ": " +
            (rec.current ? rec.current->text() : std::string("<< Empty Schema >>")));

  finish_lint(run, look);
  ExecutionResult result = apply_pending(run, rec, outcome, *lock, look.prepared);
  if (rec.pending.empty()) {
    up_to_date(run, rec);
  } else {
    report_applied(run, rec, result, watch);
  }
  print_migrate_document(run, std::move(outcome));
  return 0;
}

}  // namespace strata
