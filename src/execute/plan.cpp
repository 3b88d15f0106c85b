// execute_plan: prepare every migration, then run each with the strategy its mode asks for.
// Which mode a migration gets is decided in prepare_migrations; which strategy serves a mode, in
// execute_plan; how a strategy runs, in its own file.
#include <optional>
#include <unordered_map>

#include "execute/batches.hpp"
#include "execute/routing.hpp"
#include "execute/shared.hpp"
#include "strata/db.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/strategy.hpp"
#include "strata/wait_watch.hpp"

namespace strata {
namespace {

using namespace execute_detail;

std::string label(const ResolvedMigration& m) {
  if (m.version) return m.version->text() + " - " + m.description;
  return m.description;
}

void log_start(const ResolvedMigration& m, const std::string& schema) {
  if (m.version) {
    log::info("Migrating schema " + quote_ident(schema) + " to version \"" + label(m) + "\"",
              {{"migration", m.script}, {"version", m.version->text()}});
  } else {
    log::info("Migrating schema " + quote_ident(schema) + " with repeatable migration \"" + m.description + "\"",
              {{"migration", m.script}});
  }
}

// Machines reading JSON logs get each migration's duration; people get Flyway's text.
void log_applied(const AppliedOutcome& outcome) {
  const ResolvedMigration& m = *outcome.migration;
  log::write(log::format() == log::Format::Json ? log::Level::Info : log::Level::Debug,
             "Applied migration " + m.script,
             {{"migration", m.script},
              {"version", m.version ? m.version->text() : std::string()},
              {"duration_ms", static_cast<std::int64_t>(outcome.duration.count())}});
}

}  // namespace

std::vector<PreparedMigration> prepare_migrations(const std::vector<const ResolvedMigration*>& plan,
                                                  const RoutingOptions& options) {
  std::vector<PreparedMigration> prepared;
  prepared.reserve(plan.size());
  for (const ResolvedMigration* m : plan) {
    const std::string_view text = strip_bom(m->sql);
    const bool large = text.size() > kStreamAbove;
    PreparedMigration p{m, large ? digest_of(text) : split_statements(text), ExecutionMode::InTransaction, large};
    refuse_defect(p.script, source_of(*m), m->path.string());
    check_parsed(p, options);
    p.mode = decide_mode(p, options);
    // Statement by statement, the strategies keep what ran: they get every statement.
    if (large && p.mode != ExecutionMode::InTransaction) {
      p.script = split_statements(text);
      p.streamed = false;
    }
    prepared.push_back(std::move(p));
  }
  check_group(prepared, options);
  return prepared;
}

std::vector<PreparedMigration> prepare_migrations(const std::vector<const ResolvedMigration*>& plan,
                                                  const RoutingOptions& options,
                                                  std::vector<PreparedMigration>& earlier) {
  std::unordered_map<const ResolvedMigration*, PreparedMigration*> ready;
  for (PreparedMigration& p : earlier) {
    if (p.migration) ready.emplace(p.migration, &p);
  }
  std::vector<PreparedMigration> prepared;
  prepared.reserve(plan.size());
  for (const ResolvedMigration* m : plan) {
    auto found = ready.find(m);
    if (found == ready.end()) {
      prepared.push_back(std::move(prepare_migrations({m}, options).front()));
      continue;
    }
    prepared.push_back(std::move(*found->second));
    found->second->migration = nullptr;  // taken
    ready.erase(found);
  }
  check_group(prepared, options);
  return prepared;
}

ExecutionResult run_prepared(const std::vector<PreparedMigration>& prepared, const StrategyChooser& choose,
                             const std::string& schema, const std::function<void(const AppliedOutcome&)>& on_applied) {
  ExecutionResult result;
  const auto run_start = Clock::now();
  for (const PreparedMigration& p : prepared) {
    throw_if_interrupted();
    log_start(*p.migration, schema);
    const auto start = Clock::now();
    choose(p).apply(p);
    const AppliedOutcome outcome{p.migration, since(start)};
    result.applied.push_back(outcome);
    log_applied(outcome);
    if (on_applied) on_applied(outcome);
  }
  result.total = since(run_start);
  return result;
}

ExecutionResult execute_plan(Session& session, HistoryTable& history, const std::vector<const ResolvedMigration*>& plan,
                             const ExecuteOptions& options,
                             const std::function<void(const AppliedOutcome&)>& on_applied) {
  // Everything is split first: a script nothing can be read from is known before anything runs.
  return execute_prepared(session, history, prepare_migrations(plan, options.routing), options, on_applied);
}

ExecutionResult execute_prepared(Session& session, HistoryTable& history, const std::vector<PreparedMigration>& prepared,
                                 const ExecuteOptions& options,
                                 const std::function<void(const AppliedOutcome&)>& on_applied) {
  ExecuteOptions run = options;
  if (!prepared.empty()) run.final_migration = prepared.back().migration;
  const LockSafety* safety = options.lock_safety;
  const auto in_transaction = with_lock_retry(in_transaction_strategy(session, history, run), session, safety);
  const auto pipelined = with_lock_retry(pipelined_strategy(session, history, run), session, safety);
  const auto no_transaction = with_lock_retry(no_transaction_strategy(session, history, run), session, safety);
  // A mixed migration is not retried: its first transactional group may have committed.
  const auto mixed = mixed_strategy(session, history, run);
  // A statement blocked by another session's lock is reported while it waits, never silent.
  std::optional<WaitWatcher> watch;
  if (options.watch_connection && !prepared.empty()) {
    watch.emplace(*options.watch_connection, session.backend_pid(), options.wait_report_interval);
  }
  // Chosen right before each migration is applied, so this is where each one starts.
  const StrategyChooser choose = [&](const PreparedMigration& p) -> MigrationStrategy& {
    if (options.before_each) options.before_each();
    switch (p.mode) {
      case ExecutionMode::NoTransaction: return *no_transaction;
      case ExecutionMode::Mixed: return *mixed;
      case ExecutionMode::InTransaction: break;
    }
    return pipelinable(p, run) ? *pipelined : *in_transaction;
  };
  if (!run.fast_commit) return run_prepared(prepared, choose, history.name().schema, on_applied);
  try {
    return run_prepared(prepared, choose, history.name().schema, on_applied);
  } catch (...) {
    // The run's last commit never came: a transaction with an id of its own commits synchronously
    // and so flushes the earlier commits with it.
    session.exec_cleanup("BEGIN; SELECT txid_current(); COMMIT");
    throw;
  }
}

}  // namespace strata
