// info: every migration with its state, as a table or Flyway's JSON document.
#include <iostream>
#include <optional>

#include "strata/commands.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"
#include "strata/result_documents.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

// What Flyway's info document says beyond the migrations.
InfoContext info_context(Run& run) {
  const std::string& schema = run.history->name().schema;
  InfoContext context;
  context.schema_name = schema;
  context.database = run.session->database();
  Rows r = run.session->query(
      "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      "ON n.oid = c.relnamespace WHERE n.nspname = $1)",
      {schema});
  context.all_schemas_empty = !r.empty() && r[0][0].value_or("f") == "t";
  context.timestamp = utc_timestamp();
  return context;
}

// The table is printed at once; the document is returned, to be printed last.
std::optional<std::string> show_info(Run& run, const ReconcileOptions& options) {
  std::vector<AppliedMigration> applied;
  // A beforeInfo callback may have created the table since open_run looked.
  if (run.has_callbacks({CallbackEvent::BeforeInfo})) {
    if (run.history->exists()) applied = load_history(*run.history);
  } else if (run.facts.history_exists) {
    applied = first_history(run);
  }
  Reconciliation rec = reconcile(run.migrations(), applied, options);
  // Under --log-format json every line of stdout is one JSON object, so the table cannot be
  // printed; the info document on one line takes its place.
  if (std::optional<int> indent = document_indent(run.config.output, log::format()))
    return info_json(info_context(run), rec, *indent);
  print_info_table(std::cout, rec);
  std::cout.flush();
  return std::nullopt;
}

}  // namespace

int run_info(const Config& config) {
  Run run = open_run(config, {CallbackEvent::BeforeInfo, CallbackEvent::AfterInfo, CallbackEvent::AfterInfoError});
  const std::optional<std::string> document = fire_on_error_of(run, CallbackEvent::AfterInfoError, [&] {
    const ReconcileOptions options = reconcile_options(config);
    fire(run, CallbackEvent::BeforeInfo);
    std::optional<std::string> shown = show_info(run, options);
    fire(run, CallbackEvent::AfterInfo);
    return shown;
  });
  if (document) std::cout << *document << std::endl;
  return 0;
}

}  // namespace strata
