#include "execute/shared.hpp"

#include <cstdlib>

#include "execute/batches.hpp"
#include "script/lexer.hpp"
#include "strata/db.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"

namespace strata::execute_detail {
namespace {

// "COPY t, line 3" (or "..., line 3, column a: ...") → 3; 0 when the context names no data line.
int copy_data_line(const std::string& context) {
  if (context.rfind("COPY ", 0) != 0) return 0;
  const std::size_t at = context.find(", line ");
  return at == std::string::npos ? 0 : std::atoi(context.c_str() + at + 7);
}

// Byte offset of the 1-based `line` in `data`, clamped to its size.
std::size_t line_offset(std::string_view data, int line) {
  std::size_t at = 0;
  for (int l = 1; l < line && at < data.size(); ++l) {
    const std::size_t eol = data.find('\n', at);
    if (eol == std::string_view::npos) return data.size();
    at = eol + 1;
  }
  return at;
}

}  // namespace

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

ScriptSource source_of(const ResolvedMigration& m) {
  return {m.sql, m.original_sql, m.original_sql.empty() ? nullptr : &m.splices};
}

MigrationFailed script_error(const std::string& what, const std::string& file, const ScriptSource& script,
                             const Statement* statement, const SqlError& e, const std::vector<Statement>* statements) {
  MigrationFailed failure(what + " failed: " + e.what());
  failure.file = file;
  failure.sqlstate = e.sqlstate;
  failure.detail = e.detail;
  failure.hint = e.hint;
  failure.context = e.context;
  if (!statement) return failure;
  if (const int line = body_line(e.context, statement, statements, script); line > 0) {
    failure.line = line;
    return failure;
  }
  const int data_line = statement->kind == StatementKind::CopyFromStdin ? copy_data_line(e.context) : 0;
  if (data_line > 0) {
    const TextPosition pos = script.position(statement->copy_data_offset + line_offset(statement->copy_data, data_line));
    failure.line = pos.line;
    return failure;
  }
  // Without a position from the server, the statement's first token: not the comments before it.
  const std::size_t at = e.position > 0 ? byte_offset_of_char(statement->sql, e.position)
                                        : script_detail::first_token(statement->sql);
  const TextPosition pos = script.position(statement->offset + at);
  failure.line = pos.line;
  failure.column = e.position > 0 ? pos.column : 0;
  return failure;
}

MigrationFailed migration_error(const ResolvedMigration& m, const Statement* statement, const SqlError& e,
                                const std::vector<Statement>* statements) {
  return script_error("migration " + m.script, m.path.string(), source_of(m), statement, e, statements);
}

void refuse_defect(const SplitScript& split, const ScriptSource& script, const std::string& file) {
  for (const SkippedLine& skipped : split.skipped) {
    log::info(file + ":" + std::to_string(script.position(skipped.offset).line) + ": skipping the psql-only line `" +
                  std::string(skipped.text) + "` (pg_dump's guard for psql; it is not SQL)",
              {{"file", file}});
  }
  if (!split.defect) return;
  const TextPosition pos = script.position(split.defect->offset);
  InputError e(file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + split.defect->cause);
  e.file = file;
  e.line = pos.line;
  e.column = pos.column;
  throw e;
}

void run_statement(Session& session, const Statement& statement) {
  if (statement.kind == StatementKind::CopyFromStdin) {
    session.copy_in(statement.sql, statement.copy_data);
  } else {
    session.exec(statement.sql);
  }
}

void run_statements(Session& session, const PreparedMigration& p, Progress& progress) {
  for_each_batch(p, [&](const std::vector<Statement>& statements) {
    for (const Statement& s : statements) {
      if (p.streamed) {
        progress.held = s;
        progress.current = &progress.held;
      } else {
        progress.current = &s;
      }
      run_statement(session, s);
      ++progress.ran;
    }
  });
  progress.current = nullptr;
}

AppliedMigration history_row(const ResolvedMigration& m, const ExecuteOptions& options,
                             std::chrono::milliseconds elapsed) {
  AppliedMigration row;
  if (m.version) row.version = m.version->text();
  row.description = m.description;
  row.type = m.type;
  row.script = m.script;
  row.checksum = m.checksum;
  row.installed_by = options.installed_by;
  row.execution_time = static_cast<int>(elapsed.count());
  row.success = true;
  return row;
}

void run_each(Session& session, const ExecuteOptions& options, CallbackEvent event) {
  if (!options.callbacks) return;
  for (const ResolvedCallback* c : callbacks_for(*options.callbacks, event)) run_callback(session, *c);
}

// PostgreSQL refuses any statement in an aborted transaction, so this runs after the rollback,
// in a transaction of its own; the migration's error stays the one reported.
void each_error(Session& session, const ExecuteOptions& options) {
  if (!options.callbacks || callbacks_for(*options.callbacks, CallbackEvent::AfterEachMigrateError).empty()) return;
  try {
    run_callbacks(session, *options.callbacks, CallbackEvent::AfterEachMigrateError, options.session_reset);
  } catch (const Error& e) {
    log::warn(std::string("afterEachMigrateError callback failed too: ") + e.what());
  }
}

ConnectError lost_connection(const ResolvedMigration& m, const Statement* current, const ConnectError& e,
                             const std::string& outcome) {
  ConnectError lost(std::string(e.what()) + "; " + outcome);
  lost.file = m.path.string();
  lost.sqlstate = e.sqlstate;
  if (current) lost.line = source_of(m).position(current->offset).line;
  return lost;
}

bool fast_commit(const ExecuteOptions& options, const PreparedMigration& p) {
  return options.fast_commit && !options.routing.group && p.migration != options.final_migration;
}

std::string with_reset(const ExecuteOptions& options, const std::string& sql) {
  return options.session_reset.empty() ? sql : options.session_reset + "; " + sql;
}

}  // namespace strata::execute_detail
