#pragma once
// SQL callbacks: scripts named after one of Flyway's events (beforeMigrate.sql,
// afterEachMigrate__refresh.sql, ...) found in the locations, run when that event happens.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/script.hpp"

namespace strata {

class Session;

enum class CallbackEvent {
  BeforeMigrate,
  BeforeEachMigrate,
  AfterEachMigrate,
  AfterEachMigrateError,
  BeforeRepeatables,
  AfterVersioned,
  AfterMigrateApplied,
  AfterMigrate,
  AfterMigrateError,
  BeforeValidate,
  AfterValidate,
  AfterValidateError,
  BeforeInfo,
  AfterInfo,
  AfterInfoError,
  BeforeRepair,
  AfterRepair,
  AfterRepairError,
  BeforeBaseline,
  AfterBaseline,
  AfterBaselineError,
  BeforeClean,
  AfterClean,
  AfterCleanError,
  // Flyway events strata recognises (so such files are never mistaken for anything else) but
  // does not fire: statement-level, undo (Teams edition) and connection events.
  Unsupported,
};

// Flyway's event id ("beforeMigrate") -> event; nullopt when the name is no event at all.
// Case-sensitive, as Flyway's Event.fromId.
std::optional<CallbackEvent> parse_callback_event(std::string_view id);
std::string_view callback_event_id(CallbackEvent event) noexcept;

struct ResolvedCallback {
  CallbackEvent event = CallbackEvent::Unsupported;
  std::string event_id;        // as in the file name
  std::string description;     // after the separator, '_' as ' '; may be empty
  std::string script;          // path relative to its location
  std::filesystem::path path;  // where it is on disk
  std::string sql;             // text, placeholders replaced once the command knows their values
  std::string original_sql;    // as for ResolvedMigration: the text as read, once replaced
  std::vector<Splice> splices;
};

// The callbacks of one event, in Flyway's order (by description; the plain one first).
std::vector<const ResolvedCallback*> callbacks_for(const std::vector<ResolvedCallback>& all, CallbackEvent event);

// Runs one callback's statements in whatever transaction the session is in (beforeEachMigrate
// and afterEachMigrate run inside the migration's). Throws as run_callbacks does.
void run_callback(Session& session, const ResolvedCallback& callback);

// Runs each callback of `event` in a transaction of its own, after `session_reset` (the
// migration session's role and search_path). Throws MigrationFailed naming the callback's file
// and line when one fails; what it did is rolled back.
void run_callbacks(Session& session, const std::vector<ResolvedCallback>& all, CallbackEvent event,
                   const std::string& session_reset);

}  // namespace strata
