#include "strata/execute.hpp"

#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/script.hpp"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

std::string label(const ResolvedMigration& m) {
  if (m.version) return m.version->text() + " - " + m.description;
  return m.description;
}

MigrationFailed script_error(const std::string& what, const std::string& file, const ScriptSource& script,
                             const Statement* statement, const SqlError& e) {
  MigrationFailed failure(what + " failed: " + e.what());
  failure.file = file;
  failure.sqlstate = e.sqlstate;
  failure.detail = e.detail;
  failure.hint = e.hint;
  failure.context = e.context;
  if (statement) {
    std::size_t offset = statement->offset + byte_offset_of_char(statement->sql, e.position);
    TextPosition pos = script.position(offset);
    failure.line = pos.line;
    failure.column = e.position > 0 ? pos.column : 0;
  }
  return failure;
}

ScriptSource source_of(const ResolvedMigration& m) {
  return {m.sql, m.original_sql, m.original_sql.empty() ? nullptr : &m.splices};
}

MigrationFailed migration_error(const ResolvedMigration& m, const Statement* statement, const SqlError& e) {
  return script_error("migration " + m.script, m.path.string(), source_of(m), statement, e);
}

void run_each(Session& session, const ExecuteOptions& options, CallbackEvent event) {
  if (!options.callbacks) return;
  for (const ResolvedCallback* c : callbacks_for(*options.callbacks, event)) run_callback(session, *c);
}

// afterEachMigrateError runs after the failed migration rolled back (PostgreSQL refuses any
// statement in an aborted transaction), in a transaction of its own; its own failure is only
// logged, so the migration's error stays the one reported.
void each_error(Session& session, const ExecuteOptions& options) {
  if (!options.callbacks || callbacks_for(*options.callbacks, CallbackEvent::AfterEachMigrateError).empty()) return;
  try {
    run_callbacks(session, *options.callbacks, CallbackEvent::AfterEachMigrateError, options.session_reset);
  } catch (const Error& e) {
    log::warn(std::string("afterEachMigrateError callback failed too: ") + e.what());
  }
}

}  // namespace

TextPosition ScriptSource::position(std::size_t offset) const {
  const std::string_view run = strip_bom(sent);
  if (written.empty() || !splices) return position_at(run, offset);
  // Splices count from the very start of the texts, byte-order mark included.
  const std::size_t raw = original_offset(*splices, offset + (sent.size() - run.size()));
  const std::string_view file = strip_bom(written);
  const std::size_t mark = written.size() - file.size();
  return position_at(file, raw > mark ? raw - mark : 0);
}

ScriptSource callback_source(const ResolvedCallback& c) {
  return {c.sql, c.original_sql, c.original_sql.empty() ? nullptr : &c.splices};
}

void execute_script(Session& session, const ScriptSource& script, const std::string& file, const std::string& what) {
  const SplitScript split = split_statements(strip_bom(script.sent));
  const Statement* current = nullptr;
  try {
    for (const Statement& s : split.statements) {
      throw_if_interrupted();
      current = &s;
      session.exec(s.sql);
    }
  } catch (const SqlError& e) {
    throw script_error(what, file, script, current, e);
  }
}

ExecutionResult execute_plan(Session& session, HistoryTable& history, const std::vector<const ResolvedMigration*>& plan,
                             const ExecuteOptions& options,
                             const std::function<void(const AppliedOutcome&)>& on_applied) {
  // Split everything first: a script the parser cannot read is then known before anything runs.
  std::vector<SplitScript> scripts;
  scripts.reserve(plan.size());
  for (const ResolvedMigration* m : plan) {
    scripts.push_back(split_statements(strip_bom(m->sql)));
    if (!scripts.back().parsed) {
      TextPosition pos = source_of(*m).position(scripts.back().parse_error_offset);
      log::debug("the PostgreSQL 15 parser could not read " + m->path.string() + ":" + std::to_string(pos.line) +
                 ": " + scripts.back().parse_error + "; splitting it lexically, the server will judge it");
    }
  }

  ExecutionResult result;
  const auto run_start = Clock::now();
  for (std::size_t i = 0; i < plan.size(); ++i) {
    throw_if_interrupted();
    const ResolvedMigration& m = *plan[i];
    if (m.version) {
      log::info("Migrating schema " + quote_ident(history.name().schema) + " to version \"" + label(m) + "\"",
                {{"migration", m.script}, {"version", m.version->text()}});
    } else {
      log::info("Migrating schema " + quote_ident(history.name().schema) + " with repeatable migration \"" +
                    m.description + "\"",
                {{"migration", m.script}});
    }
    const auto start = Clock::now();
    const Statement* current = nullptr;
    bool committing = false;
    try {
      session.exec(options.session_reset.empty() ? std::string("BEGIN") : "BEGIN; " + options.session_reset);
      run_each(session, options, CallbackEvent::BeforeEachMigrate);
      for (const Statement& s : scripts[i].statements) {
        current = &s;
        session.exec(s.sql);
      }
      current = nullptr;
      run_each(session, options, CallbackEvent::AfterEachMigrate);
      AppliedMigration row;
      if (m.version) row.version = m.version->text();
      row.description = m.description;
      row.type = m.type;
      row.script = m.script;
      row.checksum = m.checksum;
      row.installed_by = options.installed_by;
      row.execution_time = static_cast<int>(since(start).count());
      row.success = true;
      // One round trip: the reset, the history row and the COMMIT.
      std::string finish = options.session_reset.empty() ? std::string() : options.session_reset + "; ";
      finish += history.append_statement(row) + "; COMMIT";
      committing = true;
      session.exec(finish);
    } catch (const SqlError& e) {
      session.exec_cleanup("ROLLBACK");
      MigrationFailed failure = migration_error(m, current, e);
      each_error(session, options);
      throw failure;
    } catch (const MigrationFailed&) {  // a beforeEachMigrate / afterEachMigrate callback
      session.exec_cleanup("ROLLBACK");
      each_error(session, options);
      throw;
    } catch (const ConnectError& e) {
      ConnectError lost(std::string(e.what()) + (committing
          ? "; it happened while committing " + m.script + ", so it may or may not be applied: run `strata info`"
          : "; " + m.script + " was not committed, so the server rolled it back"));
      lost.file = m.path.string();
      lost.sqlstate = e.sqlstate;
      if (current) lost.line = source_of(m).position(current->offset).line;
      throw lost;
    } catch (...) {
      session.exec_cleanup("ROLLBACK");
      throw;
    }
    AppliedOutcome outcome{&m, since(start)};
    result.applied.push_back(outcome);
    // Machines reading JSON logs get each migration's duration; people get Flyway's text.
    log::write(log::format() == log::Format::Json ? log::Level::Info : log::Level::Debug,
               "Applied migration " + m.script,
               {{"migration", m.script},
                {"version", m.version ? m.version->text() : std::string()},
                {"duration_ms", static_cast<std::int64_t>(outcome.duration.count())}});
    if (on_applied) on_applied(outcome);
  }
  result.total = since(run_start);
  return result;
}

}  // namespace strata
