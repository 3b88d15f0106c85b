// baseline: starts the history of an existing database at baselineVersion.
#include "strata/commands.hpp"
#include "strata/log.hpp"
#include "strata/result_documents.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

// An existing history table is left as it is when it already holds this very baseline, and
// refused otherwise: Flyway baselines only a history table it creates.
void check_existing_history(Run& run) {
  const Config& config = run.config;
  const std::string wanted = "(" + config.baseline_version + ", " + config.baseline_description + ")";
  std::vector<AppliedMigration> applied = load_history(*run.history);
  const AppliedMigration* marker = nullptr;
  bool has_schema_row = false;
  for (const AppliedMigration& row : applied) {
    if (row.type == "BASELINE") marker = &row;
    else if (row.type == "SCHEMA") has_schema_row = true;
  }
  const Version want = *Version::parse(config.baseline_version);
  if (marker && marker->parsed_version() == want && marker->description == config.baseline_description) {
    log::info("Schema history table " + run.table() + " already initialized with " + wanted + ". Skipping.");
    return;
  }
  if (marker) {
    ValidationFailed e("cannot baseline " + run.table() + " with " + wanted + ": it is already baselined with (" +
                       marker->version.value_or("") + ", " + marker->description + ")");
    e.hint = "run `strata info" + run.args + "` to see the history; a different baseline needs a new, empty history table";
    throw e;
  }
  if (has_schema_row && want == *Version::parse("0")) {
    throw ValidationFailed("cannot baseline " + run.table() + " with version 0: that version marks the schema creation");
  }
  // Without a baseline row the table has either recorded migrations or was left empty by
  // something else.
  ValidationFailed e(applied.empty() ? "cannot baseline " + run.table() + ": the table already exists, and is empty"
                                     : "cannot baseline " + run.table() + ": it already records migrations");
  e.hint = applied.empty() ? "drop the empty history table, then run `strata baseline" + run.args + "` again"
                           : "baseline is for a database that has no history yet; run `strata info" + run.args +
                                 "` to see it";
  throw e;
}

}  // namespace

int run_baseline(const Config& config) {
  Run run = open_run(config, {CallbackEvent::BeforeBaseline, CallbackEvent::AfterBaseline, CallbackEvent::AfterBaselineError},
                     false);
  fire_on_error_of(run, CallbackEvent::AfterBaselineError, [&] {
    fire(run, CallbackEvent::BeforeBaseline);
    std::unique_ptr<MigrationLock> lock = take_lock(run);
    if (run.history->exists()) {
      check_existing_history(run);
    } else {
      create_history(run);
      write_baseline(run);
    }
  });
  fire(run, CallbackEvent::AfterBaseline);
  // Reached only when the history now starts at this baseline (an existing one included).
  BaselineOutcome outcome{document_base(run), true, Version::parse(config.baseline_version)->text()};
  print_document(config, baseline_document(outcome));
  return 0;
}

}  // namespace strata
