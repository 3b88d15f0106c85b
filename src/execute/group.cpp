// Flyway's group: every pending migration of a run in one transaction, so the run applies all of
// them or none. prepare_migrations has refused any migration that cannot run in a transaction.
#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/execute.hpp"
#include "strata/log.hpp"

namespace strata {

ExecutionResult execute_group(Session& session, const std::function<ExecutionResult()>& body) {
  session.exec("BEGIN");
  try {
    ExecutionResult result = body();
    session.exec("COMMIT");
    return result;
  } catch (Error& e) {
    session.exec_cleanup("ROLLBACK");
    const std::string note = "group=true: every migration of this run was rolled back with it";
    e.detail = e.detail.empty() ? note : e.detail + "; " + note;
    throw;
  } catch (...) {
    session.exec_cleanup("ROLLBACK");
    throw;
  }
}

}  // namespace strata
