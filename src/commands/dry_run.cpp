// migrate --dry-run: the SQL migrate would send, in the order it would send it, as a script that
// `psql -v ON_ERROR_STOP=1` replays to the same schema: the history table's creation when it is
// missing, then per migration its transaction (or, outside one, its statements alone), the session
// reset, each-migration callbacks, the statements with placeholders replaced, COPY rows, and the
// history INSERT. psql interpolates :name outside quotes only for variables that are set; the
// script defines none, and SQL has no bare :name outside quotes and comments, so it is written as is.
#include "commands/dry_run.hpp"

#include <fstream>
#include <iostream>

#include "strata/execute.hpp"
#include "strata/lock_safety.hpp"
#include "strata/log.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

std::string dry_run_file(const Config& config) {
  auto it = config.settings.find("dryRunOutput");
  return it == config.settings.end() ? std::string() : it->second;
}

void write_history_creation(std::ostream& out, Run& run, bool baseline) {
  out << "\n-- create the schema history table " << run.table() << "\nBEGIN;\n";
  for (const std::string& statement : run.history->create_statements(run.config.schemas, run.installed_by)) {
    out << statement << ";\n";
  }
  if (baseline) out << run.history->append_statement(baseline_row(run)) << ";\n";
  out << "COMMIT;\n";
}

void write_plan(std::ostream& out, Run& run, const std::vector<const ResolvedMigration*>& plan) {
  const std::vector<PreparedMigration> prepared = prepare_migrations(plan);
  ExecuteOptions options;
  options.installed_by = run.installed_by;
  options.session_reset = run.session_reset;
  options.callbacks = run.callbacks().empty() ? nullptr : &run.callbacks();
  const auto dry = dry_run_strategy(out, *run.history, options);
  write_dry_run_callbacks(out, options, CallbackEvent::BeforeMigrate);
  for (const PreparedMigration& p : prepared) dry->apply(p);
  write_dry_run_callbacks(out, options, CallbackEvent::AfterMigrate);
}

}  // namespace

bool dry_run_requested(const Config& config) {
  auto it = config.settings.find("dryRun");
  return (it != config.settings.end() && it->second == "true") || !dry_run_file(config).empty();
}

int write_dry_run(Run& run, const Reconciliation& rec, bool create_history, bool baseline) {
  std::vector<const ResolvedMigration*> plan = rec.pending;
  if (baseline) {
    // What the baseline covers never runs (as migrate's baselineOnMigrate).
    const Version at = *Version::parse(run.config.baseline_version);
    std::erase_if(plan, [&](const ResolvedMigration* m) { return m->version && !(*m->version > at); });
  }
  replace_pending(run, plan);
  prepare_session(run);
  const std::string file = dry_run_file(run.config);
  std::ofstream file_out;
  if (!file.empty()) {
    file_out.open(file, std::ios::binary | std::ios::trunc);
    if (!file_out) throw ConfigError("dryRunOutput: cannot write " + file);
  }
  std::ostream& out = file.empty() ? std::cout : file_out;
  out << "-- strata migrate --dry-run for " << run.session->display() << ", schema history " << run.table()
      << "\n-- Nothing was changed. Replay with: psql -v ON_ERROR_STOP=1 -f FILE\n";
  if (create_history) write_history_creation(out, run, baseline);
  write_plan(out, run, plan);
  out.flush();
  if (!out) throw ConfigError("dryRunOutput: cannot write " + (file.empty() ? std::string("standard output") : file));
  const std::size_t n = plan.size();
  log::info("Dry run: " + std::to_string(n) + (n == 1 ? " migration" : " migrations") + " would be applied to schema " +
                run.schema_q() + "; nothing was changed" + (file.empty() ? std::string() : " (SQL written to " + file + ")"),
            {{"pending", static_cast<std::int64_t>(n)}});
  return 0;
}

}  // namespace strata
