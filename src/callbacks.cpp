#include "strata/callbacks.hpp"

#include <algorithm>
#include <utility>

#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/execute.hpp"
#include "strata/log.hpp"
#include "strata/script.hpp"

namespace strata {
namespace {

// Flyway's Event ids (api/callback/Event.java). The ones strata does not fire still count as
// callback names.
constexpr std::pair<std::string_view, CallbackEvent> kEvents[] = {
    {"beforeMigrate", CallbackEvent::BeforeMigrate},
    {"beforeEachMigrate", CallbackEvent::BeforeEachMigrate},
    {"afterEachMigrate", CallbackEvent::AfterEachMigrate},
    {"afterEachMigrateError", CallbackEvent::AfterEachMigrateError},
    {"beforeRepeatables", CallbackEvent::BeforeRepeatables},
    {"afterVersioned", CallbackEvent::AfterVersioned},
    {"afterMigrateApplied", CallbackEvent::AfterMigrateApplied},
    {"afterMigrate", CallbackEvent::AfterMigrate},
    {"afterMigrateError", CallbackEvent::AfterMigrateError},
    {"beforeValidate", CallbackEvent::BeforeValidate},
    {"afterValidate", CallbackEvent::AfterValidate},
    {"afterValidateError", CallbackEvent::AfterValidateError},
    {"beforeInfo", CallbackEvent::BeforeInfo},
    {"afterInfo", CallbackEvent::AfterInfo},
    {"afterInfoError", CallbackEvent::AfterInfoError},
    {"beforeRepair", CallbackEvent::BeforeRepair},
    {"afterRepair", CallbackEvent::AfterRepair},
    {"afterRepairError", CallbackEvent::AfterRepairError},
    {"beforeBaseline", CallbackEvent::BeforeBaseline},
    {"afterBaseline", CallbackEvent::AfterBaseline},
    {"afterBaselineError", CallbackEvent::AfterBaselineError},
    {"beforeClean", CallbackEvent::BeforeClean},
    {"afterClean", CallbackEvent::AfterClean},
    {"afterCleanError", CallbackEvent::AfterCleanError},
    {"beforeEachMigrateStatement", CallbackEvent::Unsupported},
    {"afterEachMigrateStatement", CallbackEvent::Unsupported},
    {"afterEachMigrateStatementError", CallbackEvent::Unsupported},
    {"beforeUndo", CallbackEvent::Unsupported},
    {"beforeEachUndo", CallbackEvent::Unsupported},
    {"beforeEachUndoStatement", CallbackEvent::Unsupported},
    {"afterEachUndoStatement", CallbackEvent::Unsupported},
    {"afterEachUndoStatementError", CallbackEvent::Unsupported},
    {"afterEachUndo", CallbackEvent::Unsupported},
    {"afterEachUndoError", CallbackEvent::Unsupported},
    {"afterUndo", CallbackEvent::Unsupported},
    {"afterUndoError", CallbackEvent::Unsupported},
    {"afterMigrateOperationFinish", CallbackEvent::Unsupported},
    {"afterInfoOperationFinish", CallbackEvent::Unsupported},
    {"createSchema", CallbackEvent::Unsupported},
    {"beforeCreateSchema", CallbackEvent::Unsupported},
    {"beforeConnect", CallbackEvent::Unsupported},
    {"afterConnect", CallbackEvent::Unsupported},
};

}  // namespace

std::optional<CallbackEvent> parse_callback_event(std::string_view id) {
  for (const auto& [name, event] : kEvents)
    if (name == id) return event;
  return std::nullopt;
}

std::string_view callback_event_id(CallbackEvent event) noexcept {
  for (const auto& [name, e] : kEvents)
    if (e == event && e != CallbackEvent::Unsupported) return name;
  return "unsupported";
}

std::vector<const ResolvedCallback*> callbacks_for(const std::vector<ResolvedCallback>& all, CallbackEvent event) {
  std::vector<const ResolvedCallback*> out;
  for (const ResolvedCallback& c : all)
    if (c.event == event) out.push_back(&c);
  // Flyway's SqlScriptCallback order: the one without a description first, then by description.
  std::stable_sort(out.begin(), out.end(), [](const ResolvedCallback* a, const ResolvedCallback* b) {
    if (a->description.empty() != b->description.empty()) return a->description.empty();
    return a->description < b->description;
  });
  return out;
}

void run_callback(Session& session, const ResolvedCallback& callback) {
  log::info("Executing SQL callback: " + std::string(callback_event_id(callback.event)) + " - " + callback.script,
            {{"callback", callback.script}});
  execute_script(session, callback_source(callback), callback.path.string(), "callback " + callback.script);
}

void run_callbacks(Session& session, const std::vector<ResolvedCallback>& all, CallbackEvent event,
                   const std::string& session_reset) {
  for (const ResolvedCallback* c : callbacks_for(all, event)) {
    try {
      session.exec(session_reset.empty() ? std::string("BEGIN") : "BEGIN; " + session_reset);
      run_callback(session, *c);
      session.exec("COMMIT");
    } catch (...) {
      session.exec_cleanup("ROLLBACK");
      throw;
    }
  }
}

}  // namespace strata
