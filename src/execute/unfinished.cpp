// What a migration that runs outside a transaction leaves when it fails: the statements that
// stay applied, INVALID indexes of a failed concurrent build, and the failed history row Flyway
// writes; and the error that tells the user how to clean up before `strata repair`.
#include "execute/unfinished.hpp"

#include <algorithm>

#include "execute/invalid_index_heal.hpp"

#include "strata/db.hpp"
#include "strata/log.hpp"

namespace strata::execute_detail {
namespace {

std::string lines_of(const ResolvedMigration& m, const std::vector<const Statement*>& stayed) {
  constexpr std::size_t kShown = 10;
  std::string lines;
  for (std::size_t i = 0; i < stayed.size() && i < kShown; ++i)
    lines += (i ? ", " : "") + std::to_string(source_of(m).position(stayed[i]->offset).line);
  if (stayed.size() > kShown) lines += ", ...";
  return lines;
}

// Writes the failed row in autocommit; false when the server would not take it.
bool record_failure(HistoryTable& history, const ExecuteOptions& options, const ResolvedMigration& m,
                    std::chrono::milliseconds elapsed) {
  AppliedMigration row = history_row(m, options, elapsed);
  row.success = false;
  try {
    history.append(row);
    return true;
  } catch (const Error& e) {
    log::warn("could not record the failed migration " + m.script + " in the history: " + e.what());
    return false;
  }
}

}  // namespace

std::vector<std::string> invalid_indexes(Session& session) {
  std::vector<std::string> names;
  for (const Row& r : session.query(
           "SELECT n.nspname, c.relname FROM pg_catalog.pg_index i"
           " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
           " WHERE NOT i.indisvalid ORDER BY 1, 2")) {
    names.push_back(quote_ident(r[0].value_or("")) + "." + quote_ident(r[1].value_or("")));
  }
  return names;
}

MigrationFailed unfinished_migration(const Unfinished& u, const SqlError& e) {
  const ResolvedMigration& m = *u.prepared.migration;
  MigrationFailed failure = migration_error(m, u.failed_statement, e, &u.prepared.script.statements);
  std::vector<std::string> left;
  try {
    for (std::string& name : invalid_indexes(u.session))
      if (std::find(u.invalid_before.begin(), u.invalid_before.end(), name) == u.invalid_before.end()) left.push_back(name);
  } catch (const Error& lookup) {
    log::warn(std::string("could not look for INVALID indexes the failure left: ") + lookup.what());
  }
  const bool recorded = record_failure(u.history, u.options, m, u.elapsed);

  std::string note = u.stayed.empty()
      ? "no statement of " + m.script + " had run"
      : std::to_string(u.stayed.size()) + (u.stayed.size() == 1 ? " statement of " : " statements of ") + m.script +
            (u.stayed.size() == 1 ? " ran before it and stays applied (line " : " ran before it and stay applied (lines ") +
            lines_of(m, u.stayed) + "), as it runs outside a transaction";
  std::string fix;
  for (const std::string& index : left) {
    note += "; it left the INVALID index " + index;
    fix += "DROP INDEX CONCURRENTLY " + index + "; ";
  }
  if (!u.stayed.empty()) fix += "undo what stays applied; ";
  note += recorded ? "; the history records it as failed: " : "; ";
  note += fix.empty() ? "fix the file, then run `strata repair` and migrate again"
                      : "run " + fix + "then `strata repair`, fix the file and migrate again";
  failure.detail = failure.detail.empty() ? note : failure.detail + "; " + note;
  failure.hint = (failure.hint.empty() ? "" : failure.hint + "; ") + fix + "strata repair";
  failure.repair_safe = recorded && u.stayed.empty() && left.empty();
  return failure;
}

void OutsideTransaction::apply(const PreparedMigration& p) {
  heal_invalid_indexes(session_, options_, p);  // before anything of p runs: no history row on failure
  const auto start = Clock::now();
  const ResolvedMigration& m = *p.migration;
  Unfinished unfinished{session_, history_, options_, p};
  unfinished.invalid_before = invalid_indexes(session_);
  const Statement* current = nullptr;
  try {
    if (!options_.session_reset.empty()) session_.exec(options_.session_reset);
    run_each(session_, options_, CallbackEvent::BeforeEachMigrate);
    run_statements_of(p, unfinished.stayed, current);
    current = nullptr;
    run_each(session_, options_, CallbackEvent::AfterEachMigrate);
    session_.exec(with_reset(options_, history_.append_statement(history_row(m, options_, since(start)))));
  } catch (const SqlError& e) {
    abandon();
    unfinished.failed_statement = current;
    unfinished.elapsed = since(start);
    MigrationFailed failure = unfinished_migration(unfinished, e);
    each_error(session_, options_);
    throw failure;
  } catch (const ConnectError& e) {
    const std::size_t n = unfinished.stayed.size();
    throw lost_connection(m, current, e, n == 0 ? "no statement of " + m.script + " had run, nothing of it is applied"
        : std::to_string(n) + (n == 1 ? " statement" : " statements") + " of " + m.script +
              " ran before it and stay applied (it runs outside a transaction)");
  }
}

}  // namespace strata::execute_detail
