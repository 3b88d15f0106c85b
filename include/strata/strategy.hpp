#pragma once
// Execution strategies: the ways one migration can be run. execute_plan (strata/execute.hpp)
// prepares every migration first, then hands each to the strategy its mode asks for. A new way to
// run a migration is a new MigrationStrategy in its own file under src/execute/.
#include <functional>
#include <iosfwd>
#include <memory>
#include <vector>

#include "strata/execute.hpp"
#include "strata/script.hpp"

namespace strata {

// Whether a migration runs inside one transaction with its history row, statement by statement,
// or (Flyway's mixed) its non-transactional statements alone between transactions of the rest.
enum class ExecutionMode { InTransaction, NoTransaction, Mixed };

// A migration read, split and judged before anything runs.
struct PreparedMigration {
  const ResolvedMigration* migration = nullptr;
  SplitScript script;
  ExecutionMode mode = ExecutionMode::InTransaction;
  // A large migration in a transaction: `script` holds only what routing and error messages need
  // (the first statement of each kind, transaction control, routines), and the strategies split
  // the text again batch by batch as they send it, so memory stays bounded whatever its size.
  bool streamed = false;
};

// Reads, splits, parses and classifies every migration of `plan` and decides its mode, before any
// migration runs. Throws InputError at file:line:col for a script nothing can be read from (an
// unterminated quote or comment, COPY data without its `\.` line), one the parser rejects (on
// PostgreSQL <= 15), one that mixes transactional and non-transactional statements without
// `mixed`, a COMMIT in a DO block or procedure without executeInTransaction=false, and any
// non-transactional migration under `group`.
std::vector<PreparedMigration> prepare_migrations(const std::vector<const ResolvedMigration*>& plan,
                                                  const RoutingOptions& options = {});
// As above, taking (moving out) what `earlier` already holds of `plan`, so that a file the
// pre-flight prepared is not split and parsed again; only migrations missing there are prepared.
std::vector<PreparedMigration> prepare_migrations(const std::vector<const ResolvedMigration*>& plan,
                                                  const RoutingOptions& options,
                                                  std::vector<PreparedMigration>& earlier);

// execute_plan for a plan prepare_migrations has prepared already (each one's routing was
// decided with `options.routing`).
ExecutionResult execute_prepared(Session& session, HistoryTable& history, const std::vector<PreparedMigration>& prepared,
                                 const ExecuteOptions& options,
                                 const std::function<void(const AppliedOutcome&)>& on_applied = {});

class MigrationStrategy {
 public:
  virtual ~MigrationStrategy() = default;
  // Applies `m` and records its history row. Throws MigrationFailed naming the file and the
  // failing statement's line (or ConnectError, Interrupted); what it leaves behind is its own
  // business and documented by each strategy.
  virtual void apply(const PreparedMigration& m) = 0;
};

// BEGIN, the session reset, beforeEachMigrate, the statements, afterEachMigrate, the history row,
// COMMIT: all or nothing.
std::unique_ptr<MigrationStrategy> in_transaction_strategy(Session& session, HistoryTable& history,
                                                           const ExecuteOptions& options);
// in_transaction_strategy's work sent as one pipeline (one round trip): BEGIN, the session
// reset, the statements, the history row (a prepared statement), COMMIT. Only for migrations
// pipelinable() accepts.
std::unique_ptr<MigrationStrategy> pipelined_strategy(Session& session, HistoryTable& history,
                                                      const ExecuteOptions& options);
// Whether `p` can be pipelined: in a transaction of its own (not Flyway's group), no COPY ... FROM
// STDIN, no statement that begins or ends a transaction, no beforeEachMigrate/afterEachMigrate.
bool pipelinable(const PreparedMigration& p, const ExecuteOptions& options);
// Each statement alone in autocommit, for statements PostgreSQL refuses in a transaction block,
// then the history row. A failure leaves the statements before it applied and records a failed
// row (success = false) as Flyway does; the error names what ran and any INVALID index left.
std::unique_ptr<MigrationStrategy> no_transaction_strategy(Session& session, HistoryTable& history,
                                                           const ExecuteOptions& options);
// `inner`, tried again when a migration gives up waiting for a lock (SQLSTATE 55P03, from
// lock_timeout): up to `safety.retries` more times with exponential backoff and jitter, each
// attempt logged with the sessions seen blocking it. A migration outside a transaction is tried
// again only when its first statement is the one that timed out (nothing of it ran). Returns
// `inner` itself when `safety` is null or sets no lock_timeout.
std::unique_ptr<MigrationStrategy> with_lock_retry(std::unique_ptr<MigrationStrategy> inner, Session& session,
                                                   const LockSafety* safety);
// Flyway's mixed: the transactional statements in transactions between the non-transactional
// ones, which run alone; then the history row. A failure as no_transaction_strategy's.
std::unique_ptr<MigrationStrategy> mixed_strategy(Session& session, HistoryTable& history,
                                                  const ExecuteOptions& options);
// Runs nothing: writes to `out` the SQL the other strategies would send, transaction boundaries,
// COPY rows and history INSERT included, in a form psql -v ON_ERROR_STOP=1 replays. `history`
// only quotes values (it needs a session for the server's quoting rules).
std::unique_ptr<MigrationStrategy> dry_run_strategy(std::ostream& out, const HistoryTable& history,
                                                    const ExecuteOptions& options);

// Writes the `event` callbacks of `options` as dry_run_strategy writes a migration's statements.
void write_dry_run_callbacks(std::ostream& out, const ExecuteOptions& options, CallbackEvent event);

// Runs `prepared` in order, each with the strategy `choose` returns for it, logging as Flyway
// does; stops at the first failure. `schema` names the history's schema in the log lines.
using StrategyChooser = std::function<MigrationStrategy&(const PreparedMigration&)>;
ExecutionResult run_prepared(const std::vector<PreparedMigration>& prepared, const StrategyChooser& choose,
                             const std::string& schema,
                             const std::function<void(const AppliedOutcome&)>& on_applied = {});

}  // namespace strata
