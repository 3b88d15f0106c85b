// migrate's first look, made without the lock: what is pending, every file of it split, parsed,
// routed and linted, validation, and (without a history table) what creating one depends on.
// A no-op run ends here.
#include "commands/first_look.hpp"

#include <algorithm>

#include "strata/commands_run.hpp"
#include "strata/log.hpp"

namespace strata::migrate_detail {

void refuse_failed(const AppliedMigration& failed, const std::string& table, const std::string& args) {
  std::string what = failed.version ? "version " + *failed.version : "repeatable migration";
  MigrationFailed e("the history " + table + " records a failed migration to " + what + " (" + failed.description +
                    "); remove any half-applied changes, then run `strata repair" + args + "`");
  e.file = failed.script;
  e.migration = failed.script;
  e.hint = "strata repair" + args;
  e.fix = e.hint;
  throw e;
}

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

namespace {

// Whether a schema holds objects strata did not create: tables, views, sequences, functions and
// types, leaving out what extensions own.
constexpr std::string_view kHoldsObjects =
    "SELECT EXISTS ("
    " SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
    " UNION ALL SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
    " WHERE n.nspname = $1"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
    " UNION ALL SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
    " WHERE n.nspname = $1 AND t.typtype IN ('d', 'e', 'r', 'm')"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e'))";

}  // namespace

NonEmptySchemas::NonEmptySchemas(Run& run)
    : session_(*run.session), schemas_(run.history->wanted_schemas(run.config.schemas)) {
  session_.enter_pipeline();
  try {
    for (const std::string& schema : schemas_) session_.queue(kHoldsObjects, {schema});
    session_.sync();
  } catch (...) {
    session_.abandon_pipeline();
    throw;
  }
}

NonEmptySchemas::~NonEmptySchemas() { session_.abandon_pipeline(); }

std::string NonEmptySchemas::answer() {
  if (answer_) return *answer_;
  PipelineResults results;
  try {
    results = session_.collect();
    session_.exit_pipeline();
  } catch (...) {
    session_.abandon_pipeline();
    throw;
  }
  if (!results.ok()) throw *results.error;
  std::string non_empty;
  for (std::size_t i = 0; i < schemas_.size() && i < results.rows.size(); ++i) {
    const Rows& r = results.rows[i];
    if (!r.empty() && r[0][0].value_or("f") == "t") non_empty += (non_empty.empty() ? "" : ", ") + quote_ident(schemas_[i]);
  }
  answer_ = non_empty;
  return non_empty;
}

std::string non_empty_schemas(Run& run) { return NonEmptySchemas(run).answer(); }

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
static void preflight(const Run& run, const std::vector<const ResolvedMigration*>& plan, FirstLook& look) {
  const Stopwatch watch;
  PendingLint lint = lint_before_migrate(run, plan);
  // Should splitting fail, its error is the one reported (the lint is waited for, not read).
  look.prepared = prepare_migrations(plan, routing_options(run));
  log::debug("Prepared " + std::to_string(plan.size()) + (plan.size() == 1 ? " migration" : " migrations") +
                 " (split, parsed and routed)",
             {{"duration_ms", watch.elapsed_ms()}});
  if (lint_mode(run.config) == LintMode::Error) {
    report_lint_before_migrate(run, std::move(lint));
  } else {
    look.lint = std::move(lint);
  }
}

void finish_lint(const Run& run, FirstLook& look) { report_lint_before_migrate(run, std::move(look.lint)); }

// validate as migrate runs it first: pending migrations are fine, anything else stops the run.
static void validate_before_migrate(Run& run, const Reconciliation& rec) {
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
static void check_first_migrate(Run& run, const ReconcileOptions& options, FirstLook& look, NonEmptySchemas& question) {
  const Config& config = run.config;
  Reconciliation rec = reconcile(run.migrations(), {}, options);
  std::vector<const ResolvedMigration*> plan = rec.pending;
  if (config.baseline_on_migrate && !question.answer().empty()) {
    // What the baseline will cover never runs, so its placeholders need no value.
    const Version baseline = *Version::parse(config.baseline_version);
    std::erase_if(plan, [&](const ResolvedMigration* m) { return m->version && !(*m->version > baseline); });
  }
  replace_pending(run, plan);
  preflight(run, plan, look);
  look.non_empty = question.answer();  // the session is free again for callbacks
  if (config.validate_on_migrate && run.facts.schema_exists) {
    validate_before_migrate(run, rec);
  } else if (config.validate_on_migrate) {
    validate_options(run, true);  // still rejects a bad ignoreMigrationPatterns
  }
}

// The first look, without the lock: a bad file or placeholder stops the run before anything is
// written. True when there is nothing to do, so that a no-op run never waits on a busy lock nor
// opens the lock's connection; then `outcome` holds the current version and the warnings. When
// there is work and `lock` is set, the lock's connection is opened while the plan is prepared
// (into `look`); the lock itself is taken, and the history read again, only after.
bool up_to_date_without_lock(Run& run, const ReconcileOptions& options, MigrateOutcome& outcome, FirstLook& look,
                             bool lock) {
  if (!run.facts.history_exists) {
    if (lock) start_lock_connection(run);
    // Asked first, so that the server answers while the files are split. Objects appearing in
    // the schema after this are no different from objects appearing right after a check made
    // under the lock: the lock keeps out runners, not writers.
    prepare_session(run);
    NonEmptySchemas question(run);
    check_first_migrate(run, options, look, question);
    return false;
  }
  std::vector<AppliedMigration> applied = first_history(run);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  const bool work =
      !rec.pending.empty() || run.has_callbacks({CallbackEvent::BeforeMigrate, CallbackEvent::AfterMigrate});
  if (work && lock && !rec.failed) start_lock_connection(run);
  replace_pending(run, rec.pending);
  preflight(run, rec.pending, look);
  validate_before_migrate(run, rec);
  if (rec.failed) refuse_failed(*rec.failed, run.table(), run.args);
  if (work) return false;
  warn_ignored(rec, outcome.base.warnings);
  if (rec.current) outcome.initial_version = rec.current->text();
  up_to_date(run, rec);
  return true;
}

}  // namespace strata::migrate_detail
