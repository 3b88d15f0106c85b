// clean: drops every object in the managed schemas, and the schemas strata created.
#include <algorithm>

#include "strata/clean.hpp"
#include "strata/commands.hpp"
#include "strata/log.hpp"
#include "strata/result_documents.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

// Refused before anything is read or connected to.
void refuse_unless_allowed(const Config& config) {
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
}

// Flyway's prepareSchemas: the configured schemas, with the default schema in front when it is
// not among them.
std::vector<std::string> schemas_to_clean(const Run& run) {
  std::vector<std::string> schemas = run.config.schemas;
  const std::string& own = run.history->name().schema;
  if (std::find(schemas.begin(), schemas.end(), own) == schemas.end()) schemas.insert(schemas.begin(), own);
  return schemas;
}

// The schemas the history says strata created: those are dropped, the others only emptied.
std::vector<std::string> schemas_strata_created(const Run& run) {
  if (!run.history->exists()) return {};
  try {
    return created_schemas(load_history(*run.history));
  } catch (const ValidationFailed& e) {
    log::warn(std::string("cannot tell which schemas strata created, so none is dropped, only emptied: ") + e.what());
    return {};
  }
}

void report_cleaned(const CleanResult& result, std::size_t schemas, const Stopwatch& watch) {
  const std::chrono::milliseconds elapsed = watch.elapsed();
  for (const std::string& w : result.warnings) log::warn(w);
  for (const std::string& s : result.cleaned_schemas)
    log::info("Successfully cleaned schema " + quote_ident(s), {{"schema", s}});
  for (const std::string& s : result.dropped_schemas)
    log::info("Successfully dropped schema " + quote_ident(s) + " (strata created it)", {{"schema", s}});
  log::info("Successfully cleaned " + std::to_string(schemas) + (schemas == 1 ? " schema" : " schemas") +
                " (execution time " + format_duration(elapsed) + ")",
            {{"duration_ms", static_cast<std::int64_t>(elapsed.count())}});
}

}  // namespace

int run_clean(const Config& config) {
  refuse_unless_allowed(config);
  const Stopwatch watch;
  Run run = open_run(config, {CallbackEvent::BeforeClean, CallbackEvent::AfterClean, CallbackEvent::AfterCleanError},
                     false);
  const std::vector<std::string> schemas = schemas_to_clean(run);
  CleanResult result = fire_on_error_of(run, CallbackEvent::AfterCleanError, [&] {
    fire(run, CallbackEvent::BeforeClean);
    std::unique_ptr<MigrationLock> lock = take_lock(run);
    CleanResult cleaned = clean_schemas(*run.session, schemas, schemas_strata_created(run));
    report_cleaned(cleaned, schemas.size(), watch);
    return cleaned;
  });
  // The schemas may be gone now; afterClean runs with the search_path it finds.
  fire(run, CallbackEvent::AfterClean);
  CleanOutcome outcome{document_base(run, result.warnings), result.cleaned_schemas, result.dropped_schemas};
  print_document(config, clean_document(outcome));
  return 0;
}

}  // namespace strata
