// repair: removes failed rows, realigns checksums, descriptions and types with the files, and
// marks rows whose file is gone as deleted; all in one transaction under the migration lock.
#include <algorithm>
#include <filesystem>

#include "strata/commands.hpp"
#include "strata/log.hpp"
#include "strata/reconcile.hpp"
#include "strata/result_documents.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

std::string row_name(const AppliedMigration& row) {
  return row.version ? "version " + *row.version : "repeatable \"" + row.description + "\"";
}

// Each change made: the line that reports it, and the row as the result document lists it.
struct Changes {
  std::vector<std::string> lines;
  RepairOutcome outcome;
  void push_back(std::string line) { lines.push_back(std::move(line)); }
};

RepairedRow repaired(const AppliedMigration& row, const ResolvedMigration* file) {
  return {row.version.value_or(""), file ? file->description : row.description,
          file ? std::filesystem::absolute(file->path).lexically_normal().generic_string() : std::string()};
}

// A row of a type strata does not know is refused before anything is touched, a failed one too:
// deleting it would lose what a newer Flyway or a hand edit recorded.
void remove_failed_rows(HistoryTable& history, Changes& changes) {
  const std::vector<AppliedMigration> applied = load_history(history);
  require_known_types(applied);
  for (const AppliedMigration& row : applied) {
    if (row.success) continue;
    history.delete_failed(row.installed_rank);
    changes.outcome.removed.push_back(repaired(row, nullptr));
    changes.push_back("removed failed " + row_name(row) + " (" + row.script + ")");
  }
}

// A row whose file is gone (missing, or future) gets a DELETE marker, unless
// ignoreMigrationPatterns tolerates it. True when the row was marked.
bool mark_deleted(Run& run, const MigrationInfo& info, const std::vector<IgnorePattern>& ignore, Changes& changes) {
  const MigrationState s = info.state;
  const bool missing = s == MigrationState::Missing || s == MigrationState::MissingFailed ||
                       s == MigrationState::Future || s == MigrationState::FutureFailed;
  const bool ignored = std::any_of(ignore.begin(), ignore.end(),
                                   [&](const IgnorePattern& p) { return p.matches(info.is_versioned(), s); });
  if (!missing || ignored) return false;
  const AppliedMigration& row = *info.applied;
  AppliedMigration marker = row;
  marker.type = "DELETE";
  marker.installed_by = run.installed_by;
  marker.execution_time = 0;
  run.history->append(marker);
  changes.outcome.deleted.push_back(repaired(row, nullptr));
  changes.push_back("marked " + row_name(row) + " (" + row.script + ") as deleted: its file is gone");
  return true;
}

// A versioned row takes its file's checksum, description and type where they differ.
void realign_versioned(HistoryTable& history, const AppliedMigration& row, const ResolvedMigration& file, Changes& changes) {
  const bool checksum = !checksum_matches(file, row.checksum);
  // The row holds the description as stored, shortened past 200 characters.
  const bool description = fit_description(file.description) != row.description;
  const bool type = file.type != canonical_type(row.type);
  if (!checksum && !description && !type) return;
  history.realign(row.installed_rank, file.description, file.type, file.checksum);
  changes.outcome.aligned.push_back(repaired(row, &file));
  std::string what;
  auto add = [&what](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
  if (checksum) add("checksum " + (row.checksum ? std::to_string(*row.checksum) : std::string("null")) + " -> " + std::to_string(file.checksum));
  if (description) add("description \"" + row.description + "\" -> \"" + file.description + "\"");
  if (type) add("type " + row.type + " -> " + file.type);
  changes.push_back("realigned version " + *row.version + " (" + file.script + "): " + what);
}

// A repeatable row written without placeholder replacement is the same file: it takes the new
// checksum. Any other difference is an outdated repeatable, which migrate runs again.
void realign_repeatable(HistoryTable& history, const AppliedMigration& row, const ResolvedMigration& file, Changes& changes) {
  if (!row.checksum || *row.checksum == file.checksum || !checksum_matches(file, row.checksum)) return;
  history.realign(row.installed_rank, file.description, file.type, file.checksum);
  changes.outcome.aligned.push_back(repaired(row, &file));
  changes.push_back("realigned repeatable \"" + file.description + "\" (" + file.script + "): checksum " +
                    std::to_string(*row.checksum) + " -> " + std::to_string(file.checksum));
}

void repair_rows(Run& run, const Reconciliation& rec, const std::vector<IgnorePattern>& ignore, Changes& changes) {
  for (const MigrationInfo& info : rec.infos) {
    const AppliedMigration* row = info.applied;
    if (!row || is_synthetic_type(row->type) || is_undo_type(row->type)) continue;
    if (mark_deleted(run, info, ignore, changes)) continue;
    const ResolvedMigration* file = info.resolved;
    if (!file || info.state == MigrationState::Ignored) continue;
    if (file->version) {
      realign_versioned(*run.history, *row, *file, changes);
    } else {
      realign_repeatable(*run.history, *row, *file, changes);
    }
  }
}

Changes repair_in_transaction(Run& run, const ReconcileOptions& options, const std::vector<IgnorePattern>& ignore) {
  Session& session = *run.session;
  Changes changes;
  session.exec("BEGIN");
  try {
    remove_failed_rows(*run.history, changes);
    std::vector<AppliedMigration> applied = load_history(*run.history);
    repair_rows(run, reconcile(run.migrations(), applied, options), ignore, changes);
    session.exec("COMMIT");
  } catch (...) {
    session.exec_cleanup("ROLLBACK");
    throw;
  }
  return changes;
}

void report_repaired(const Run& run, const Changes& changes, const Stopwatch& watch) {
  for (const std::string& c : changes.lines) log::info("Repair: " + c, {{"change", c}});
  if (changes.lines.empty()) {
    log::info("Repair of " + run.table() + " not necessary: it already matches the files.");
    return;
  }
  log::info("Successfully repaired schema history table " + run.table() + " (execution time " +
                format_duration(watch.elapsed()) + ")",
            {{"changes", static_cast<std::int64_t>(changes.lines.size())}});
}

}  // namespace

int run_repair(const Config& config) {
  const Stopwatch watch;
  const ReconcileOptions options = reconcile_options(config);
  Run run = open_run(config, {CallbackEvent::BeforeRepair, CallbackEvent::AfterRepair, CallbackEvent::AfterRepairError});
  const std::vector<IgnorePattern> ignore = parse_ignore_patterns(config.ignore_migration_patterns);
  RepairOutcome outcome;
  const bool table_exists = fire_on_error_of(run, CallbackEvent::AfterRepairError, [&] {
    fire(run, CallbackEvent::BeforeRepair);
    if (!run.history->exists()) {
      log::info("Repair of " + run.table() + " not necessary: the table does not exist.");
      fire(run, CallbackEvent::AfterRepair);  // here its failure fires afterRepairError too
      return false;
    }
    std::unique_ptr<MigrationLock> lock = take_lock(run);
    prepare_session(run);
    Changes changes = repair_in_transaction(run, options, ignore);
    report_repaired(run, changes, watch);
    outcome = std::move(changes.outcome);
    return true;
  });
  if (table_exists) fire(run, CallbackEvent::AfterRepair);
  outcome.base = document_base(run);
  print_document(config, repair_document(outcome));
  return 0;
}

}  // namespace strata
