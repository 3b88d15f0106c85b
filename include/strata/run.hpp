#pragma once
// run: what every command opens and closes. The files are read and the database reached once,
// the history table named, the callbacks the command can fire kept and their placeholders
// replaced; the session is prepared for scripts only when one is about to run. Commands
// (src/commands/*) decide what to do with it; nothing here is specific to one of them.
#include <chrono>
#include <future>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strata/callbacks.hpp"
#include "strata/config.hpp"
#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"
#include "strata/lock.hpp"
#include "strata/placeholders.hpp"
#include "strata/reconcile.hpp"
#include "strata/resolve.hpp"
#include "strata/result_documents.hpp"
#include "strata/validate.hpp"

namespace strata {

// What open_run reads of the server in one query, before any lock is taken. Commands that
// decide something under the migration lock read it again there.
struct ServerFacts {
  std::string schema;  // the history table's schema
  std::string current_user;
  std::string database;
  std::string search_path;  // as the connection started
  bool schema_exists = false;
  bool history_exists = false;
  // The history's rows, read in the same round trip when the command uses migrations.
  std::optional<std::vector<AppliedMigration>> history;
};

// Everything a command works with once the files are read and the database is reached.
struct Run {
  const Config& config;
  ResolvedScripts scripts;
  std::unique_ptr<Session> session;
  std::unique_ptr<HistoryTable> history;
  std::string args;  // what to repeat in suggested commands, e.g. " -e prod"
  // Set by prepare_session: the role migrations start as, installed_by and the reset statements.
  std::string original_role;
  std::string installed_by;
  std::string session_reset;
  PlaceholderSettings placeholders;
  std::set<const ResolvedMigration*> replaced;  // versioned migrations whose placeholders are replaced
  ServerFacts facts;
  // The migration lock's own connection while start_lock_connection opens it.
  std::future<std::unique_ptr<Session>> lock_session;

  std::vector<ResolvedMigration>& migrations() { return scripts.migrations; }
  const std::vector<ResolvedCallback>& callbacks() const { return scripts.callbacks; }
  bool has_callbacks(std::initializer_list<CallbackEvent> events) const;
  std::string table() const { return history->name().quoted(); }
  std::string schema_q() const { return quote_ident(history->name().schema); }
};

// The files of the locations, read and checksummed. open_run does this itself unless the config
// carries shared_scripts (a fleet reads them once for all of its targets). Throws InputError.
ResolvedScripts read_scripts(const Config& config);

// `events`: the callbacks the command can fire. The others are dropped unread, as Flyway reads a
// callback only when it runs: a placeholder that only an afterMigrate callback uses must not stop
// info or repair where nobody sets it. The ones kept are replaced before anything runs. Likewise
// baseline and clean never look at a migration (`uses_migrations` false), so a repeatable's
// placeholders (replaced to compute its checksum) need no value there.
Run open_run(const Config& config, std::initializer_list<CallbackEvent> events, bool uses_migrations = true);

// The session as migrations and callbacks see it: the default schema in front of search_path,
// and the statements that put role, search_path and strata's lock_timeout / statement_timeout
// back before each script. Idempotent.
void prepare_session(Run& run);

// Runs the callbacks of `event`, if any.
void fire(Run& run, CallbackEvent event);
// As fire, for an *Error event: its own failure is only a warning, so that it never hides the
// error that fired it.
void fire_on_error(Run& run, CallbackEvent event);

// Runs `body`; when it throws a strata::Error, fires `on_error` first (Flyway's after*Error
// callbacks), then lets the error go on.
template <typename Body>
auto fire_on_error_of(Run& run, CallbackEvent on_error, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error&) {
    fire_on_error(run, on_error);
    throw;
  }
}

// Opens the migration lock's connection on a thread of its own, so that connecting overlaps with
// what the caller does before take_lock (migrate: preparing the plan). Takes no lock.
void start_lock_connection(Run& run);
// The migration lock of this history table, waited for up to lockWaitTimeout, on the connection
// start_lock_connection opened, else on a new one.
std::unique_ptr<MigrationLock> take_lock(Run& run);

std::vector<AppliedMigration> load_history(const HistoryTable& history);
// The history as open_run read it (once: a later call reads it again), for a command that has
// run nothing since. Only when run.facts.history_exists.
std::vector<AppliedMigration> first_history(Run& run);
ReconcileOptions reconcile_options(const Config& config);

// Creates the history table (and the schemas, unless createSchemas is false).
void create_history(Run& run);
// The BASELINE row of baselineVersion/baselineDescription.
AppliedMigration baseline_row(const Run& run);
// Writes the BASELINE row of baselineVersion/baselineDescription in a transaction of its own.
void write_baseline(Run& run);

// Replaces the placeholders of the plan's versioned migrations, each once, before the first one
// runs, so that an undefined placeholder leaves the database as it was. Repeatables and callbacks
// were replaced by open_run.
void replace_pending(Run& run, const std::vector<const ResolvedMigration*>& plan);

// validate's options for this run; `allow_pending` as migrate validates. Throws ConfigError for a
// bad ignoreMigrationPatterns.
ValidateOptions validate_options(const Run& run, bool allow_pending);
// Logs each problem on its own line with its fix, then throws the one-line summary.
[[noreturn]] void report_problems(const Run& run, const std::vector<ValidationProblem>& problems);

// Wall time of a command, as its summary line reports it.
class Stopwatch {
 public:
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
  }
  std::int64_t elapsed_ms() const { return elapsed().count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// What every result document says of this run: its database, `warnings`, and now.
DocumentBase document_base(const Run& run, std::vector<std::string> warnings = {});

// Flyway's "00:00.031s" (minutes:seconds.milliseconds).
std::string format_duration(std::chrono::milliseconds ms);
// Now as ISO 8601 in UTC with milliseconds, "2024-05-01T12:00:00.123Z".
std::string utc_timestamp();

}  // namespace strata
