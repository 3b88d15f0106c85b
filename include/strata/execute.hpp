#pragma once
// execute: runs a plan against the database. Each migration in its own transaction together with
// its history row; the first failure rolls that migration back and stops.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/callbacks.hpp"

#include "strata/migration.hpp"
#include "strata/script.hpp"
#include "strata/version.hpp"

namespace strata {

struct ConnectionSettings;
class Session;
class HistoryTable;
struct LockSafety;

// What decides a migration's mode besides its statements (Flyway's settings of the same names).
struct RoutingOptions {
  bool mixed = false;                  // a script may mix transactional and non-transactional statements
  bool group = false;                  // every pending migration in one transaction
  bool execute_in_transaction = true;  // false: every migration statement by statement
  // Session::server_version(); a script the bundled PostgreSQL 15 parser rejects is an error up
  // to 15 (0: unknown, counts as 15) and only a warning on a newer server, whose grammar it lacks.
  int server_version = 0;
};

struct ExecuteOptions {
  std::string installed_by;  // history `installed_by`
  // Statements that put the session back as the run started (role, search_path), sent at the
  // start of every migration and before its history row, as Flyway restores its connection: a
  // migration's SET ROLE or SET search_path never leaks into the next one or into the history.
  std::string session_reset;
  // beforeEachMigrate / afterEachMigrate run inside each migration's transaction;
  // afterEachMigrateError after its rollback. Null: none.
  const std::vector<ResolvedCallback>* callbacks = nullptr;
  // A migration that times out waiting for a lock is tried again as this says. Null: never.
  const LockSafety* lock_safety = nullptr;
  // How migrations are routed; with `group` the session is in the group's transaction, and the
  // migrations run in it without a BEGIN or COMMIT of their own (execute_group commits).
  RoutingOptions routing;
  // Where a WaitWatcher connects to report, every `wait_report_interval`, what a migration's
  // statement waits for (strata/wait_watch.hpp). Null: nothing is watched.
  const ConnectionSettings* watch_connection = nullptr;
  std::chrono::milliseconds wait_report_interval{5000};
  // fastCommit: every migration transaction but the run's last commits without waiting for its
  // WAL flush (SET LOCAL synchronous_commit = off); the last commit flushes them all, and a
  // failing run flushes what it applied before it stops.
  bool fast_commit = false;
  // Set by execute_plan: the run's last migration, the one that commits synchronously.
  const ResolvedMigration* final_migration = nullptr;
  // Before a migration outside a transaction, an INVALID index it builds concurrently that
  // another session is still building is waited for this long, then the migration fails naming
  // that session (src/execute/invalid_index_heal.cpp).
  std::chrono::milliseconds invalid_index_build_wait{std::chrono::minutes(10)};
  // Called before each migration starts (migrate: checks the migration lock is still held).
  std::function<void()> before_each;
};

struct AppliedOutcome {
  const ResolvedMigration* migration = nullptr;
  std::chrono::milliseconds duration{0};
};

struct ExecutionResult {
  std::vector<AppliedOutcome> applied;
  std::chrono::milliseconds total{0};
};

// A script as it is sent and as it is written in its file; the two differ once placeholders are
// replaced, and errors must point into the file.
struct ScriptSource {
  std::string_view sent;                          // may start with a byte-order mark
  std::string_view written;                       // empty: the same as `sent`
  const std::vector<Splice>* splices = nullptr;   // how `written` became `sent`
  // Line and column in the file of byte `offset` of `sent` without its byte-order mark.
  TextPosition position(std::size_t offset) const;
};

// A callback's text as sent and as written.
ScriptSource callback_source(const ResolvedCallback& callback);

// Runs every statement of `script` (split as migrations are) in whatever transaction the session
// is in. Throws MigrationFailed naming `file` and the failing statement's line and column in the
// file; `what` names the script in the message ("migration V2__x.sql", "callback beforeMigrate.sql").
void execute_script(Session& session, const ScriptSource& script, const std::string& file, const std::string& what);

// Throws MigrationFailed (file, line, column, SQLSTATE, detail, hint) for the first migration
// that fails; everything before it stays applied. `on_applied` is told of each success.
ExecutionResult execute_plan(Session& session, HistoryTable& history,
                             const std::vector<const ResolvedMigration*>& plan,
                             const ExecuteOptions& options,
                             const std::function<void(const AppliedOutcome&)>& on_applied = {});

// Flyway's group: BEGIN, `body` (execute_plan with routing.group set), COMMIT. When `body` throws,
// everything it ran is rolled back and the error's detail says so.
ExecutionResult execute_group(Session& session, const std::function<ExecutionResult()>& body);

}  // namespace strata
