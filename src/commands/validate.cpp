// validate: the history against the files, each problem with the command that fixes it.
#include <iostream>

#include "strata/commands.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"
#include "strata/result_documents.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

// The result document on stdout, problems included.
void print_validate_json(Run& run, const Reconciliation& rec, const std::vector<ValidationProblem>& problems,
                         int indent) {
  std::cout << validate_json(run.session->database(), problems, static_cast<int>(rec.infos.size()), indent)
            << std::endl;
}

void report_validated(const Reconciliation& rec, const Stopwatch& watch) {
  const std::size_t n = rec.infos.size();
  log::info("Successfully validated " + std::to_string(n) + (n == 1 ? " migration" : " migrations") +
                " (execution time " + format_duration(watch.elapsed()) + ")",
            {{"validated", static_cast<std::int64_t>(n)}});
  if (n == 0) log::warn("No migrations found. Are your locations set up correctly?");
}

}  // namespace

int run_validate(const Config& config) {
  const Stopwatch watch;
  const ReconcileOptions options = reconcile_options(config);
  Run run = open_run(config, {CallbackEvent::BeforeValidate, CallbackEvent::AfterValidate, CallbackEvent::AfterValidateError});
  HistoryTable& history = *run.history;
  ValidateOptions validate = validate_options(run, false);
  // Flyway's DbValidate fires its callbacks whenever the default schema exists.
  const bool callbacks = run.facts.schema_exists;
  if (callbacks) fire(run, CallbackEvent::BeforeValidate);
  std::vector<AppliedMigration> applied;
  if (history.exists()) applied = load_history(history);
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  std::vector<ValidationProblem> problems = validate_migrations(rec, validate);
  const std::optional<int> indent = document_indent(config.output, log::format());
  // -outputType=json: Flyway's document, alone on stdout, reports the problems too. Under
  // --log-format json the error document does, as for every failure, with the fix.
  const bool flyway_document = indent && *indent >= 0;
  if (!problems.empty()) {
    if (callbacks) fire_on_error(run, CallbackEvent::AfterValidateError);
    if (flyway_document) {
      print_validate_json(run, rec, problems, *indent);
      return 1;  // exit code 1 as for an error
    }
    report_problems(run, problems);
  }
  if (!flyway_document) report_validated(rec, watch);
  if (callbacks) fire(run, CallbackEvent::AfterValidate);
  if (indent) print_validate_json(run, rec, problems, *indent);
  return 0;
}

}  // namespace strata
