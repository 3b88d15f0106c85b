#pragma once
// What the execution strategies share: errors that point into the file, one statement sent as
// its kind asks, the history row, the each-migration callbacks. Private to src/execute/.
#include <chrono>
#include <string>

#include "strata/callbacks.hpp"
#include "strata/error.hpp"
#include "strata/execute.hpp"
#include "strata/history.hpp"
#include "strata/script.hpp"
#include "strata/strategy.hpp"

namespace strata::execute_detail {

using Clock = std::chrono::steady_clock;
std::chrono::milliseconds since(Clock::time_point start);

ScriptSource source_of(const ResolvedMigration& m);

// The server's error as a MigrationFailed at the file's line and column: the statement's, the
// server's position inside it, or for COPY rows the data line its CONTEXT names.
// An error raised in a PL/pgSQL body of the script (a DO block, or a function it created: `statements`)
// points at its line in the body instead.
MigrationFailed script_error(const std::string& what, const std::string& file, const ScriptSource& script,
                             const Statement* statement, const SqlError& e,
                             const std::vector<Statement>* statements = nullptr);
MigrationFailed migration_error(const ResolvedMigration& m, const Statement* statement, const SqlError& e,
                                const std::vector<Statement>* statements = nullptr);

// The file line of the innermost frame of a PL/pgSQL CONTEXT whose body is in the script: the
// failing DO block's or a function's created in `statements`; 0 when none is.
int body_line(const std::string& context, const Statement* failing, const std::vector<Statement>* statements,
              const ScriptSource& script);

// Throws InputError at file:line:col when nothing can be read from `split` (a psql meta-command
// included); notes each psql-only line it skips.
void refuse_defect(const SplitScript& split, const ScriptSource& script, const std::string& file);

// exec, or copy_in with the statement's rows.
void run_statement(Session& session, const Statement& statement);

// How far a migration got: the statement running (null outside the statements) and how many ran.
struct Progress {
  const Statement* current = nullptr;
  std::size_t ran = 0;
  Statement held;  // a streamed migration's current statement, which outlives its batch
};
// Runs every statement of `p` in order (batch by batch when streamed), keeping `progress` up to
// date for the error.
void run_statements(Session& session, const PreparedMigration& p, Progress& progress);

// The success row of `m` as Flyway writes it.
AppliedMigration history_row(const ResolvedMigration& m, const ExecuteOptions& options,
                             std::chrono::milliseconds elapsed);

void run_each(Session& session, const ExecuteOptions& options, CallbackEvent event);
// afterEachMigrateError, after the failed migration's rollback; its own failure is only logged.
void each_error(Session& session, const ExecuteOptions& options);

// The connection dropped while `m` ran `current` (null: between statements); `outcome` says
// what became of the migration.
ConnectError lost_connection(const ResolvedMigration& m, const Statement* current, const ConnectError& e,
                             const std::string& outcome);

// What the strategies that talk to the server hold.
class ServerStrategy : public MigrationStrategy {
 public:
  ServerStrategy(Session& session, HistoryTable& history, const ExecuteOptions& options)
      : session_(session), history_(history), options_(options) {}

 protected:
  Session& session_;
  HistoryTable& history_;
  const ExecuteOptions& options_;
};

// Whether `p`'s transaction commits without waiting for its WAL flush (ExecuteOptions::fast_commit).
bool fast_commit(const ExecuteOptions& options, const PreparedMigration& p);

// The reset statements followed by `sql`, as one text.
std::string with_reset(const ExecuteOptions& options, const std::string& sql);

}  // namespace strata::execute_detail
